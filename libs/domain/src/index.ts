// @dmp/domain: identifiers, enums and value types shared by every service. Pure TypeScript:
// no framework and none of our other libraries may be imported here.
export * from './validation';
export * from './identifiers/brand';
export * from './identifiers/ins';
export * from './identifiers/rpps';
export * from './identifiers/finess';
export * from './identifiers/cpam-code';
export * from './identifiers/luhn';
export * from './identifiers/generators';
export * from './enums/opening-channel';
export * from './enums/profession';
export * from './enums/establishment';
export * from './enums/source-category';
export * from './enums/document';
export * from './enums/record';
export * from './enums/access';
export * from './enums/notification';
export * from './enums/reimbursement';
export * from './values/dates';
export * from './values/money';
