/** An extension of a PBX, as the directory, the calls module and the operator gateway key agents. */
export interface PbxExtension {
  readonly pbxId: string;
  readonly extension: string;
}

/** The key of a (PBX, extension) in maps shared across modules: `${pbxId}\n${extension}`. */
export function extensionKey(pbxId: string, extension: string): string {
  return `${pbxId}\n${extension}`;
}
