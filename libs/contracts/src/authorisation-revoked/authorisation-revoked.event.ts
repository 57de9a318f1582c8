import { Ins } from '@dmp/domain';
import { Grantee } from '../common/grantee';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** An authorisation was withdrawn; reads are refused from now on. */
export class AuthorisationRevokedPayload {
  @IsIns()
  ins!: Ins;

  @NestedObject(() => Grantee)
  grantee!: Grantee;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  revokedAt!: string;
}

export const AuthorisationRevokedEvent = defineEvent(Topics.AUTHORISATION_REVOKED, AuthorisationRevokedPayload, (p) => p.ins);
