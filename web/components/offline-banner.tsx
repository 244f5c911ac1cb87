// Shown while the browser is offline or the server stopped answering.
export function OfflineBanner({ online }: { online: boolean }) {
  if (online) return null;
  return (
    <div class="banner" role="alert">
      <strong>Offline.</strong> The server cannot be reached right now. The page keeps checking and updates by
      itself when the connection is back.
    </div>
  );
}
