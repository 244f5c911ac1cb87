// Whether the server is reachable: the browser's online flag plus the outcome of the latest request.
import { useEffect, useState } from "preact/hooks";
import { onReachability } from "./api";

export function useOnline(): boolean {
  const [browserOnline, setBrowserOnline] = useState(() => navigator.onLine);
  const [reachable, setReachable] = useState(true);

  useEffect(() => {
    const update = () => {
      setBrowserOnline(navigator.onLine);
      // Back online: trust the network again until a request says otherwise.
      if (navigator.onLine) setReachable(true);
    };
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    const unsubscribe = onReachability(setReachable);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
      unsubscribe();
    };
  }, []);

  return browserOnline && reachable;
}
