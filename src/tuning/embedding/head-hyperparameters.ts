// The head trainer's settings, apart from the trainer itself: the server imports every tuning method
// to check params, and must not load TensorFlow.js for that.
export interface HeadHyperparameters {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without a better validation loss before training stops. */
  patience: number;
  /** 0: dense → softmax straight from the embedding; otherwise a ReLU layer of this width first. */
  hiddenUnits: number;
  seed: number;
}

/** Teachable Machine's head trains 50 epochs with Adam 0.001 at batch 16. */
export const DEFAULT_HEAD_HYPERPARAMETERS: HeadHyperparameters = { epochs: 50, batchSize: 16, learningRate: 0.001, patience: 5, hiddenUnits: 0, seed: 42 };
