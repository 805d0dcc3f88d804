import { realpath, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { AppConfig } from '../../../config/app-config.js';
import { isInside, recordingFile } from './recording-path.js';

export interface RecordingFile {
  path: string;
  size: number;
  modifiedAt: Date;
  contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.wav': 'audio/wav',
  '.wav49': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.gsm': 'audio/x-gsm',
  '.sln': 'application/octet-stream',
};

/**
 * Call recordings on disk, under RECORDINGS_DIR only (see recording-path.ts for how Asterisk's
 * stored paths map onto it). Symlinks are followed and the real file must still be inside.
 */
@Injectable()
export class RecordingStore {
  constructor(private readonly config: AppConfig) {}

  async find(stored: string): Promise<RecordingFile> {
    const file = recordingFile(stored, this.config.recordingsDir);
    if (file === undefined) throw outside();
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([realpath(file), realpath(this.config.recordingsDir)]);
    } catch {
      throw new AppError(ErrorCode.NOT_FOUND, 'The recording file is not there');
    }
    if (!isInside(root, real)) throw outside();
    const st = await stat(real);
    if (!st.isFile()) throw new AppError(ErrorCode.NOT_FOUND, 'The recording file is not there');
    return {
      path: real,
      size: st.size,
      modifiedAt: st.mtime,
      contentType: CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
    };
  }
}

function outside(): AppError {
  return new AppError(
    ErrorCode.FORBIDDEN,
    'The recording path lies outside RECORDINGS_DIR: it is not served',
  );
}
