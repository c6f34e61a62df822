import { useState } from "preact/hooks";
import { describeError } from "../api/errors";
import { signIn } from "../api/session";

export function SignIn({ notice }: { notice: string | null }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <h1>CourtFlow</h1>
      <p>Court performance measures (CourTools 2–5) for the courts you may see.</p>
      {notice && !error ? (
        <p class="message notice" role="status">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p class="message error" role="alert">
          {error}
        </p>
      ) : null}
      <form onSubmit={submit} class="sign-in-form">
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
