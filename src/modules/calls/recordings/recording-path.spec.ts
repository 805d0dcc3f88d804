import { recordingFile } from './recording-path.js';

describe('recordingFile', () => {
  const root = '/srv/recordings';

  it.each([
    [
      'the Asterisk monitor prefix',
      '/var/spool/asterisk/monitor/1795381061.21.wav',
      '/srv/recordings/1795381061.21.wav',
    ],
    [
      'a sub-directory under the prefix',
      '/var/spool/asterisk/monitor/2026/11/a.wav',
      '/srv/recordings/2026/11/a.wav',
    ],
    ['a relative path', 'q-support-1.wav', '/srv/recordings/q-support-1.wav'],
    ['an absolute path already under the root', '/srv/recordings/x/y.wav', '/srv/recordings/x/y.wav'],
    ['a harmless dot segment', '/var/spool/asterisk/monitor/./a/../b.wav', '/srv/recordings/b.wav'],
  ])('maps %s', (_name, stored, expected) => {
    expect(recordingFile(stored, root)).toBe(expected);
  });

  it.each([
    ['../ out of the prefix', '/var/spool/asterisk/monitor/../../../../etc/passwd'],
    ['../ out of a relative path', '../secrets.wav'],
    ['deep ../ in a relative path', 'a/b/../../../x.wav'],
    ['another absolute path', '/etc/passwd'],
    ['a sibling with the root as prefix', '/srv/recordings-other/a.wav'],
    ['the root itself', '/var/spool/asterisk/monitor/'],
    ['a NUL byte', '/var/spool/asterisk/monitor/a.wav\0.txt'],
    ['empty', ''],
  ])('refuses %s', (_name, stored) => {
    expect(recordingFile(stored, root)).toBeUndefined();
  });
});
