import { AuthoriseCommand } from '../authorise/authorise.command';

export type RevokeAuthorisationCommand = AuthoriseCommand;
