/**
 * What moto knows but does not answer through IAM: the secret of an access key, read from its
 * state dump (`/moto-api/data.json`). moto's STS accepts any key, so a signed call cannot show
 * that a secret is a key's; this comparison can.
 */
export async function motoSecretOf(
  endpoint: string,
  accessKeyId: string,
): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/moto-api/data.json`);
  if (!response.ok) throw new Error(`moto's state dump answered ${response.status}`);
  const state = (await response.json()) as {
    iam?: { AccessKey?: { access_key_id: string; secret_access_key: string }[] };
  };
  return state.iam?.AccessKey?.find((key) => key.access_key_id === accessKeyId)?.secret_access_key;
}
