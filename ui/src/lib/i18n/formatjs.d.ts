// Tells FormatJS which message ids exist, so that it too rejects an id no catalogue has.
import type { MessageId } from "./catalogues";

declare global {
  namespace FormatjsIntl {
    interface Message {
      ids: MessageId;
    }
  }
}
