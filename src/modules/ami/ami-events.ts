/**
 * What the gateway asks Asterisk to send on the events session. The lab PBX sends every class
 * with no filter: about half of all frames are Newexten and VarSet, which the model does not
 * need. Include filters (OR-ed; with any include filter, Asterisk drops every event that matches
 * none) keep the stream to what the call tracker folds, and the few variables it reads.
 * docs/ASTERISK.md shows the same list as a manager.conf `eventfilter` for operators.
 */
export const EVENT_CLASSES = 'call,agent,dialplan,system,user,cdr';

export const TRACKED_EVENTS = [
  'FullyBooted',
  'Newchannel',
  'Newstate',
  'NewCallerid',
  'NewConnectedLine',
  'Rename',
  'Hangup',
  'HangupRequest',
  'SoftHangupRequest',
  'DialBegin',
  'DialEnd',
  'BridgeCreate',
  'BridgeEnter',
  'BridgeLeave',
  'BridgeDestroy',
  'LocalBridge',
  'BlindTransfer',
  'AttendedTransfer',
  'OriginateResponse',
  'MixMonitorStart',
  'MixMonitorStop',
  'QueueCallerJoin',
  'QueueCallerLeave',
  'QueueCallerAbandon',
  'AgentCalled',
  'AgentConnect',
  'AgentComplete',
  'AgentRingNoAnswer',
  'AgentDump',
  'QueueMemberStatus',
  'QueueMemberAdded',
  'QueueMemberRemoved',
  'QueueMemberPause',
  'QueueMemberPenalty',
  'ExtensionStatus',
  'DeviceStateChange',
  'Cdr',
  'UserEvent',
] as const;

/** VarSet events pass only for these variables (the recording file, our own CRM_* variables, dial outcome). */
export const TRACKED_VARIABLES = ['MIXMONITOR_FILENAME', 'CRM_[A-Z0-9_]+', 'DIALSTATUS'] as const;

/**
 * Asterisk matches each filter (POSIX extended regex, `.` spanning lines) against the whole
 * event text. Filter values cannot hold CR/LF (the serializer strips them), so the event name
 * match is a prefix match: harmless here, every longer name it could catch is tracked too.
 */
export const EVENT_FILTERS = [
  `Event: (${TRACKED_EVENTS.join('|')})`,
  `Event: VarSet.*Variable: (${TRACKED_VARIABLES.join('|')})`,
];
