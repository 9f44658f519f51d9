import { useEffect, useState, type FormEvent } from "react";
import { ApiError, type ChatClient } from "@chat/sdk";
import { isLocal } from "./session";

type Mode = "signIn" | "signUp" | "verify";

interface Props {
  client: ChatClient;
  onSignedIn: () => void;
}

export function AuthScreen({ client, onSignedIn }: Props) {
  const [mode, setMode] = useState<Mode>("signIn");
  const [phoneNumber, setPhoneNumber] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [registrationId, setRegistrationId] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = (action: () => Promise<void>) => async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const signIn = run(async () => {
    await client.login(phoneNumber.trim(), password, navigator.userAgent.slice(0, 64));
    onSignedIn();
  });
  const signUp = run(async () => {
    const registration = await client.register(phoneNumber.trim(), displayName.trim(), password);
    setRegistrationId(registration.registrationId);
    setCode("");
    setMode("verify");
  });
  const verify = run(async () => {
    await client.verify(phoneNumber.trim(), code.trim(), registrationId);
    await client.login(phoneNumber.trim(), password, navigator.userAgent.slice(0, 64));
    onSignedIn();
  });

  const switchTo = (next: Mode) => {
    setError(undefined);
    setMode(next);
  };

  return (
    <main className="auth">
      <h1>Chat</h1>
      {mode === "signIn" && (
        <form onSubmit={signIn} aria-label="Sign in">
          <PhoneField value={phoneNumber} onChange={setPhoneNumber} />
          <PasswordField value={password} onChange={setPassword} autoComplete="current-password" />
          <button type="submit" disabled={busy}>Sign in</button>
          <p>
            New here? <button type="button" className="link" onClick={() => switchTo("signUp")}>Create account</button>
          </p>
        </form>
      )}
      {mode === "signUp" && (
        <form onSubmit={signUp} aria-label="Create account">
          <PhoneField value={phoneNumber} onChange={setPhoneNumber} />
          <label>
            Display name
            <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={64} autoComplete="nickname" />
          </label>
          <PasswordField value={password} onChange={setPassword} autoComplete="new-password" />
          <button type="submit" disabled={busy}>Create account</button>
          {isLocal && <p className="note">Local mode: no SMS is really sent; the code can be read at <code>GET /_local/sms?phoneNumber=…</code>, and shows on the next step.</p>}
          <p>
            Have an account? <button type="button" className="link" onClick={() => switchTo("signIn")}>Sign in</button>
          </p>
        </form>
      )}
      {mode === "verify" && (
        <form onSubmit={verify} aria-label="Verify your number">
          <p>We sent a 6-digit code to {phoneNumber}.</p>
          <label>
            Verification code
            <input value={code} onChange={(e) => setCode(e.target.value)} required inputMode="numeric" autoComplete="one-time-code" maxLength={6} />
          </label>
          <button type="submit" disabled={busy}>Verify</button>
          {isLocal && <LocalSmsNote phoneNumber={phoneNumber.trim()} />}
        </form>
      )}
      {error && <p role="alert" className="error">{error}</p>}
    </main>
  );
}

function PhoneField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <label>
      Phone number
      <input type="tel" value={value} onChange={(e) => onChange(e.target.value)} required placeholder="+14155550101" autoComplete="tel" />
    </label>
  );
}

function PasswordField({ value, onChange, autoComplete }: { value: string; onChange: (v: string) => void; autoComplete: string }) {
  // role="textbox": the contract names it a textbox, and password inputs have no role of their own.
  return (
    <label>
      Password
      <input type="password" role="textbox" value={value} onChange={(e) => onChange(e.target.value)} required minLength={8} maxLength={128} autoComplete={autoComplete} />
    </label>
  );
}

/** Local runs have no real SMS: the local host's sink keeps them at /_local/sms. */
function LocalSmsNote({ phoneNumber }: { phoneNumber: string }) {
  const [latest, setLatest] = useState<string>();
  const route = `/_local/sms?phoneNumber=${encodeURIComponent(phoneNumber)}`;

  useEffect(() => {
    let stop = false;
    const poll = async () => {
      const response = await fetch(route).catch(() => undefined);
      const sms = response?.ok ? ((await response.json()) as { text: string }[]) : [];
      const match = sms.at(-1)?.text.match(/\b\d{6}\b/);
      if (!stop && match) {
        setLatest(match[0]);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 2000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [route]);

  return (
    <p className="note">
      Local mode: SMS codes can be read at <code>GET {route}</code>.
      {latest && <> Latest code: <strong>{latest}</strong></>}
    </p>
  );
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Object.values(error.problem.errors ?? {}).flat();
    return fields.length > 0 ? fields.join(" ") : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
