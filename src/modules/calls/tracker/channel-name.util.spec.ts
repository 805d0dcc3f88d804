import {
  channelDevice,
  channelExtension,
  dialStringNumber,
  interfaceExtension,
  isExtensionNumber,
  knownCallerId,
} from './channel-name.util.js';

describe('channel name helpers', () => {
  it.each([
    ['Local/1001@phones-00000002;1', '1001'],
    ['Local/1003@phones-0000000b;2', '1003'],
    ['PJSIP/1001-0000000a', '1001'],
    ['SIP/204-00000001', '204'],
    ['IAX2/1001-1234', '1001'],
    ['Local/74951234567@incoming-00000000;1', null], // a DID, not an agent
    ['PJSIP/provider-00000003', null], // a trunk
    ['PJSIP/my-trunk-00000003', null],
    ['Local/s@customer-00000001;1', null],
    ['Local/1001', null],
    ['garbage', null],
    ['', null],
  ])('channelExtension(%j) = %j', (channel, ext) => {
    expect(channelExtension(channel)).toBe(ext);
  });

  it.each([
    ['Local/1001@phones/n', '1001'],
    ['Local/1001@phones', '1001'],
    ['PJSIP/1001', '1001'],
    ['SIP/1001', '1001'],
    ['Custom:1001', '1001'],
    ['hint:1001@phones', '1001'],
    ['1001', '1001'],
    ['Custom:h', null], // the lab's h-handler device
    ['Queue:support_avail', null],
    ['Queue:support_pause_Local/1004@phones/n', null],
    ['Local/74951234567@incoming', null],
    ['PJSIP/provider', null],
  ])('interfaceExtension(%j) = %j', (iface, ext) => {
    expect(interfaceExtension(iface)).toBe(ext);
  });

  it.each([
    ['PJSIP/1001-0000000a', 'PJSIP/1001'],
    ['Local/1003@phones-0000000b;1', 'Local/1003@phones'],
    ['PJSIP/my-trunk-00000003', 'PJSIP/my-trunk'],
    ['Local/1001', 'Local/1001'],
  ])('channelDevice(%j) = %j', (channel, device) => {
    expect(channelDevice(channel)).toBe(device);
  });

  it.each([
    ['provider/84951112233', '84951112233'],
    ['PJSIP/84951112233@provider', '84951112233'],
    ['84951112233@outbound', '84951112233'],
    ['PJSIP/+74951234567@provider', '+74951234567'],
    ['PJSIP/provider', null],
    ['Local/s@customer', null],
    ['', null],
  ])('dialStringNumber(%j) = %j', (dialString, number) => {
    expect(dialStringNumber(dialString)).toBe(number);
  });

  it('treats 2 to 6 digits as an extension', () => {
    expect(['10', '1001', '123456'].map(isExtensionNumber)).toEqual([true, true, true]);
    expect(['1', '1234567', '10a1', '+1001', ''].map(isExtensionNumber)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('drops Asterisk’s caller ID placeholders', () => {
    expect([undefined, '', '<unknown>', '+79161234567'].map(knownCallerId)).toEqual([
      null,
      null,
      null,
      '+79161234567',
    ]);
  });
});
