// Hyperparameters both embedding methods share.
import { Type } from '@sinclair/typebox';

export const embeddingBatchSize = Type.Integer({
  minimum: 1,
  maximum: 256,
  default: 4,
  description: 'Examples per backbone call while embedding the data (MobileNetV2 on 2 CPU cores: batches of 1–16 all ran at 220–370 ms per image, so small batches cost nothing)',
});
