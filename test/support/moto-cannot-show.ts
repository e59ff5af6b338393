/** What the crash files on moto cannot show, named in their test titles. */
export const MOTO_CANNOT_SHOW =
  'moto cannot show: a crash inside an IAM call (no holdAfter, no dropResponse), a propagation delay, a key that does not authenticate (its STS accepts any key: the vault secret is compared with moto’s record of the key instead)';
