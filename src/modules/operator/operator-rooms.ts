/** Socket.IO room names of the operator namespace. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  group: (groupId: string) => `group:${groupId}`,
  supervisors: (groupId: string) => `supervise:${groupId}`,
  queue: (pbxId: string, queue: string) => `queue:${pbxId}:${queue}`,
};
