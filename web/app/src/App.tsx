import { useMemo, useState } from "react";
import { AuthScreen } from "./AuthScreen";
import { Messenger } from "./Messenger";
import { createClient } from "./session";

export function App() {
  const client = useMemo(createClient, []);
  const [userId, setUserId] = useState(client.userId);

  if (!userId) {
    return <AuthScreen client={client} onSignedIn={() => setUserId(client.userId)} />;
  }

  return <Messenger client={client} me={userId} onSignedOut={() => setUserId(undefined)} />;
}
