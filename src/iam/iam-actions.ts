/**
 * Which IAM wire actions change state. Reads are named Get*, List*, Simulate* and Generate*
 * (a report, no entity changes); everything else — Create*, Update*, Delete*, Tag*, Untag*,
 * Put*, Attach*, an action not recognised — counts as a mutation, so a new one is guarded
 * before anyone thinks of it. STS changes nothing in IAM.
 */
const READ = /^(Get|List|Simulate|Generate)[A-Z]/;

export function isIamMutation(service: 'iam' | 'sts', action: string): boolean {
  return service === 'iam' && !READ.test(action);
}
