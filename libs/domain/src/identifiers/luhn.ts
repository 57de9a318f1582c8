/**
 * The Luhn check digit of a string of digits: starting from the rightmost digit of the payload,
 * every other digit is doubled (minus 9 when above 9), and the check digit brings the sum to a
 * multiple of 10.
 */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let digit = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}
