// The audio worklet of the microphone capture: posts blocks of 2048 mono frames (about 43 ms at
// 48 kHz) instead of every 128-frame quantum. A file of its own, served from /assets/, because the
// UI's Content-Security-Policy runs no script from blob: URLs.
class ModaCapture extends AudioWorkletProcessor {
  constructor() { super(); this.block = new Float32Array(2048); this.filled = 0; }
  process(inputs) {
    const channels = inputs[0];
    if (channels && channels.length > 0) {
      const frames = channels[0].length;
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (const channel of channels) sum += channel[i];
        this.block[this.filled++] = sum / channels.length;
        if (this.filled === this.block.length) {
          this.port.postMessage(this.block, [this.block.buffer]);
          this.block = new Float32Array(2048);
          this.filled = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor('moda-capture', ModaCapture);
