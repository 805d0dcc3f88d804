import { Injectable } from '@nestjs/common';
import type { AgiRequest } from '../../../protocol/agi/agi-message.js';
import { param, type AgiAnswer, type AgiRoute, type AgiRouteContext } from '../agi-route.js';
import { ResponsibleRouting, type RoutingDecision } from '../responsible-routing.service.js';

/**
 * `AGI(agi://crm:4573/responsible?did=${EXTEN})`: routes the caller to the agent responsible for
 * them. Parameters: `did` (else agi_arg_1, else agi_extension), `number` (else agi_arg_2, else
 * the caller id). Always sets every variable, empty when unknown, CRM_EXTEN last so that a
 * conversation cut short never leaves an extension without the rest.
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
  return [
    ['CRM_CONTACT_ID', d?.contact?.id ?? ''],
    ['CRM_CONTACT_NAME', d?.contact?.displayName ?? ''],
    ['CRM_QUEUE', d?.queue ?? ''],
    ['CRM_INTERFACE', d?.dialInterface ?? ''],
    ['CRM_EXTEN', d?.exten ?? ''],
  ];
}
