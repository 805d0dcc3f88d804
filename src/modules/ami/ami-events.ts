/**
 * What the gateway asks Asterisk to send on the events session. The lab PBX sends every class
 * with no filter: about half of all frames are Newexten and VarSet, which the model does not
 * need. Include filters (OR-ed; with any include filter, Asterisk drops every event that matches
 * none) keep the stream to what the call tracker and the operator module fold, and the few
 * variables they read; an exclude filter then drops the device states nobody reads.
 * docs/ASTERISK.md shows the same list as a manager.conf `eventfilter` for operators.
 */
export const EVENT_CLASSES = 'call,agent,dialplan,user';

/**
 * Exactly the events something here reads: CallTracker's handlers, CallChannels (Rename) and the
 * click-to-call tracker (OriginateResponse); and UserEvent, which only a dialplan that calls
 * UserEvent() sends (the ingest-lease and fault tests mark the stream with it). Bridge*, Newstate,
 * NewConnectedLine, MixMonitor* and Cdr are left out on purpose: nothing folds them, and in a busy
 * hour they were a fifth of the stream (bench:popup: 29,000 of 134,000 frames), each one read,
 * parsed and dropped on the path every popup waits behind. Add an event here together with the
 * code that reads it.
 */
export const TRACKED_EVENTS = [
  'Newchannel',
  'NewCallerid',
  'Rename',
  'Hangup',
  'HangupRequest',
  'SoftHangupRequest',
  'DialBegin',
  'DialEnd',
  'LocalBridge',
  'BlindTransfer',
  'AttendedTransfer',
  'OriginateResponse',
  'QueueCallerJoin',
  'QueueCallerLeave',
  'QueueCallerAbandon',
  'AgentCalled',
  'AgentConnect',
  'AgentComplete',
  'AgentRingNoAnswer',
  'QueueMemberStatus',
  'QueueMemberAdded',
  'QueueMemberRemoved',
  'QueueMemberPause',
  'QueueMemberPenalty',
  'QueueMemberRinginuse',
  'ExtensionStatus',
  'DeviceStateChange',
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
  // Applied after the include filters. The states of Local channels (one pair per agent rung) and
  // of queues are not phones: the tracker skips them (interfaceExtension), and in a queue call
  // centre they are most DeviceStateChange frames (201 of 353 in the recordings are Local/).
  `!Event: DeviceStateChange.*Device: (Local/|Queue:)`,
];
