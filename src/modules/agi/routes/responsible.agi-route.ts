import { Injectable } from '@nestjs/common';
import type { AgiRequest } from '../../../protocol/agi/agi-message.js';
import { param, type AgiAnswer, type AgiRoute, type AgiRouteContext } from '../agi-route.js';
import { ResponsibleRouting, type RoutingDecision } from '../responsible-routing.service.js';

/**
 * `AGI(agi://crm:4573/responsible?did=${EXTEN})`: routes the caller to the agent responsible for
 * them. Parameters: `did` (else agi_arg_1, else agi_extension), `number` (else agi_arg_2, else
 * the caller id). CRM_EXTEN is always set (empty: nobody, fall through to the queue), and last,
 * so that a conversation cut short never leaves an extension without the rest; the others only
 * when known. Each variable is one round trip to Asterisk: an unknown caller or a fallback costs
 * one or two, not five.
 */
@Injectable()
export class ResponsibleAgiRoute implements AgiRoute {
  readonly name = 'responsible';

  constructor(private readonly routing: ResponsibleRouting) {}

  async handle({ request, pbxId, signal }: AgiRouteContext): Promise<AgiAnswer> {
    const decision = await this.routing.decide(
      {
        number: param(request, 'number', 2) ?? request.callerId,
        did: param(request, 'did', 1) ?? request.extension,
        pbxId,
      },
      signal,
    );
    return { outcome: decision.reason, variables: responsibleVariables(decision) };
  }

  fallback(_request: AgiRequest): AgiAnswer['variables'] {
    return responsibleVariables(undefined);
  }
}

export function responsibleVariables(d: RoutingDecision | undefined): AgiAnswer['variables'] {
  const known: (readonly [string, string | null | undefined])[] = [
    ['CRM_CONTACT_ID', d?.contact?.id],
    ['CRM_CONTACT_NAME', d?.contact?.displayName],
    ['CRM_QUEUE', d?.queue],
    ['CRM_INTERFACE', d?.dialInterface],
  ];
  return [...known.filter((v): v is readonly [string, string] => !!v[1]), ['CRM_EXTEN', d?.exten ?? '']];
}
