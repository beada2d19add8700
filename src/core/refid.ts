/** Spec 002 transaction ids: W-{modality}-{action}-{uid}-{timestamp}. */
export function makeRefid(action: string, uid: string, timestamp: number): string {
  return `W-face-${action}-${uid}-${timestamp}`;
}
