// Plays one clip at a time: the WAV is fetched from the kernel on demand
// (`{type: "audio", pos}`), played from an object URL, and the URL revoked
// as soon as the clip stops, another starts, or the view is torn down.

export type AudioRequester = (pos: number) => Promise<{ mime: string; bytes: ArrayBufferView }>;

export class AudioPlayer {
  private audio: HTMLAudioElement | null = null;
  private url = "";
  private button: HTMLButtonElement | null = null;
  private playingPos = -1;
  private token = 0;
  private readonly requester: AudioRequester;
  private readonly onError: (message: string) => void;

  constructor(requester: AudioRequester, onError: (message: string) => void) {
    this.requester = requester;
    this.onError = onError;
  }

  /** Play the clip at `pos`, or stop it when it is the one playing. */
  async toggle(pos: number, button: HTMLButtonElement | null): Promise<void> {
    if (this.playingPos === pos) {
      this.stop();
      return;
    }
    this.stop();
    const token = ++this.token;
    this.playingPos = pos;
    this.button = button;
    this.setButton("…");
    try {
      const { mime, bytes } = await this.requester(pos);
      if (token !== this.token) return; // another clip was asked for meanwhile
      this.url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime || "audio/wav" }));
      const audio = new Audio(this.url);
      this.audio = audio;
      // The played time, where a test (or a curious user) can read it: data-time on the button.
      const button = this.button;
      audio.addEventListener("timeupdate", () => {
        if (button) button.dataset.time = audio.currentTime.toFixed(2);
      });
      audio.addEventListener("ended", () => {
        if (token === this.token) this.stop();
      });
      this.setButton("■");
      await audio.play();
    } catch (error) {
      if (token !== this.token) return;
      this.stop();
      this.onError(`audio: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private setButton(text: string): void {
    if (!this.button) return;
    this.button.textContent = text;
    this.button.title = text === "▶" ? "play" : "stop";
  }

  stop(): void {
    this.token++;
    if (this.audio) {
      this.audio.pause();
      this.audio.removeAttribute("src");
      this.audio = null;
    }
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = "";
    this.setButton("▶");
    this.button = null;
    this.playingPos = -1;
  }
}
