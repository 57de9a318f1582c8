export { crc32c, crc32cJs } from './crc32c';
