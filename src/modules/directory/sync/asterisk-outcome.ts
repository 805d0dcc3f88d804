import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const ASTERISK_STATUSES = ['applied', 'rejected', 'pending'] as const;
export type AsteriskStatus = (typeof ASTERISK_STATUSES)[number];

/** What became of a change on the PBX, as the REST answer reports it. */
export class AsteriskOutcome {
  @ApiProperty({
    enum: ASTERISK_STATUSES,
    description:
      '`applied`: Asterisk accepted it. `rejected`: Asterisk refused (see message); the directory keeps the change, ' +
      'marked failed, and retries after the next reconnect. `pending`: the PBX is unreachable; applied when the link returns.',
  })
  status!: AsteriskStatus;

  @ApiPropertyOptional({ description: "Asterisk's Message (or why nothing could be sent)" })
  message?: string;

  @ApiProperty({ example: 'QueueAdd' })
  action!: string;
}

/** The worst of several outcomes: rejected > pending > applied. */
export function worstOutcome(outcomes: readonly AsteriskOutcome[]): AsteriskOutcome | undefined {
  return (
    outcomes.find((o) => o.status === 'rejected') ??
    outcomes.find((o) => o.status === 'pending') ??
    outcomes[outcomes.length - 1]
  );
}
