// Saves a Blob (a CSV the API produced) under a file name: an object URL clicked through a temporary
// link, revoked at once. The request itself went through the typed client with the bearer token, which
// a plain link could not carry.

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
