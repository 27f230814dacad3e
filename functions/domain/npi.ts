/**
 * NPI check digit: the Luhn formula over the 9-digit identifier prefixed with the health-industry
 * issuer code 80840 (CMS, "Requirements for NPI check digit"). Catches typos before a claim bounces.
 */
export const isValidNpi = (npi: string): boolean => {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi}`.split('').map(Number);
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    const fromRight = digits.length - 1 - i;
    let digit = digits[i]!;
    if (fromRight % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
};
