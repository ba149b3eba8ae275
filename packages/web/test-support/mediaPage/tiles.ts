// Instrumentation: plays what the web client receives, one tile per participant with a camera
// stream: `<figure data-participant=ID>` with a muted video, an audio element and the name.
// Names are set with textContent only (the page's CSP demands Trusted Types).

interface Tile {
  figure: HTMLElement;
  video: HTMLVideoElement;
  audio: HTMLAudioElement;
  caption: HTMLElement;
}

/** A remote camera stream to show, and the name of whose it is. */
export interface Shown {
  id: string;
  displayName: string;
  stream: MediaStream;
}

export class Tiles {
  readonly #container: HTMLElement;
  readonly #tiles = new Map<string, Tile>();

  constructor(
    container: HTMLElement,
    private readonly note: (what: string, detail: Record<string, unknown>) => void,
  ) {
    this.#container = container;
  }

  /** Shows exactly `shown`: new tiles for new streams, none for those gone. */
  render(shown: Shown[]): void {
    const ids = new Set(shown.map((s) => s.id));
    for (const [id, tile] of this.#tiles) {
      if (ids.has(id)) continue;
      tile.figure.remove();
      this.#tiles.delete(id);
    }
    for (const { id, displayName, stream } of shown) {
      const tile = this.#tiles.get(id) ?? this.#create(id);
      tile.caption.textContent = displayName;
      if (tile.video.srcObject !== stream) {
        tile.video.srcObject = stream;
        tile.audio.srcObject = stream;
        this.#play(tile.video, id);
        this.#play(tile.audio, id);
      }
    }
  }

  #create(id: string): Tile {
    const figure = document.createElement('figure');
    figure.dataset.participant = id;
    const video = document.createElement('video');
    video.dataset.participant = id;
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    const audio = document.createElement('audio');
    audio.dataset.participant = id;
    audio.autoplay = true;
    const caption = document.createElement('figcaption');
    figure.append(video, audio, caption);
    this.#container.append(figure);
    const tile = { figure, video, audio, caption };
    this.#tiles.set(id, tile);
    return tile;
  }

  #play(element: HTMLMediaElement, id: string): void {
    element.play().catch((error: unknown) => {
      if (element.muted) {
        this.note('play failed', { id, element: element.localName, error: String(error) });
        return;
      }
      // Autoplay with sound may be refused; muted playout still decodes and counts.
      this.note('autoplay with sound refused: muted', { id, error: String(error) });
      element.muted = true;
      this.#play(element, id);
    });
  }
}
