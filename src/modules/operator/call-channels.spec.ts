import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { header, type AmiMessage } from '../../protocol/ami/ami-message.js';
import { AmiParser } from '../../protocol/ami/ami-parser.js';
import { CallChannels } from './call-channels.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/asterisk-22');

function recording(file: string): AmiMessage[] {
  const out: AmiMessage[] = [];
  new AmiParser((m) => out.push(m)).push(readFileSync(join(FIXTURES, file)));
  return out;
}

/** Feeds the recording up to (and including) the first message matching `stop`. */
function feedUntil(index: CallChannels, msgs: AmiMessage[], stop: (m: AmiMessage) => boolean): number {
  for (let i = 0; i < msgs.length; i++) {
    index.handle(msgs[i]);
    if (stop(msgs[i])) return i + 1;
  }
  return msgs.length;
}

describe('CallChannels on the Asterisk 22 recordings', () => {
  it('inbound queue call: the waiting caller is the queue caller channel; everything is gone after the last Hangup', () => {
    const msgs = recording('inbound-queue-answered.ami');
    const index = new CallChannels();
    let agentCalled = 0;
    const at = feedUntil(index, msgs, (m) => header(m, 'event') === 'AgentCalled' && ++agentCalled === 2);
    const linkedid = '1795380887.0';
    expect(index.queueCaller(linkedid)).toBe('Local/74951234567@incoming-00000000;2');
    expect(index.counterpart(linkedid, '1001')).toBe('Local/74951234567@incoming-00000000;2');
    expect(index.agentChannels(linkedid, '1001')).toEqual([
      'Local/1001@phones-00000002;1',
      'Local/1001@phones-00000002;2',
    ]);
    for (const m of msgs.slice(at)) index.handle(m);
    expect(index.callCount).toBe(0);
    expect(index.channelsOf(linkedid)).toEqual([]);
  });

  it('click-to-call through the outbound context: the Originate first channel is the number side', () => {
    const msgs = recording('click-to-call.ami');
    const index = new CallChannels();
    feedUntil(index, msgs, (m) => header(m, 'event') === 'OriginateResponse');
    expect(index.counterpart('1795381015.14', '1001')).toBe('Local/1001@phones-00000007;1');
    expect(index.queueCaller('1795381015.14')).toBeNull();
  });

  it('stays bounded', () => {
    const index = new CallChannels({ maxCalls: 2 });
    for (let i = 0; i < 5; i++) {
      index.handle({
        type: 'event',
        headers: { event: 'Newchannel', channel: `PJSIP/trunk-${i}`, uniqueid: `1.${i}`, linkedid: `1.${i}` },
      });
    }
    expect(index.callCount).toBe(2);
    expect(index.channelsOf('1.4')).toEqual(['PJSIP/trunk-4']);
  });
});
