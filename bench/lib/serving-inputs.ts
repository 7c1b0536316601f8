// What the serving benchmark sends: text-line PNGs of known text for the recogniser (rendered
// like the OCR tests', one line on a 320 × 48 canvas, so every line fills the recogniser's
// [3, 48, 320] input as in offline-models.md) and a real darknet photo at a few sizes for CenterNet.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { renderTextImage } from '../../test/fixtures/render-text-image.js';

export interface LineImage {
  path: string;
  text: string;
  bytes: number;
}

export interface Photo {
  path: string;
  width: number;
  height: number;
  bytes: number;
}

export const LINE_SIZE = { width: 320, height: 48 };

const LINES = [
  '深度学习模型服务平台',
  'model server 2026',
  '今天天气很好 Hello',
  'Invoice Total 128.50',
  '欢迎使用开源模型仓库',
  'quick brown fox jumps',
  '会议将于明天上午九点',
  '上海浦东国际机场 T2',
];

/** darknet's dog.jpg (dog, bicycle, truck), re-encoded at three sizes. */
const PHOTO = '/usr/share/darknet/data/dog.jpg';
const PHOTO_SIZES = [
  [320, 240],
  [640, 480],
  [1024, 768],
] as const;

export async function renderLineImages(dir: string): Promise<LineImage[]> {
  const images: LineImage[] = [];
  for (const [index, text] of LINES.entries()) {
    const image = await renderTextImage(LINE_SIZE, [{ text, size: 26, left: 6, top: 8 }]);
    const path = join(dir, `line-${index}.png`);
    await writeFile(path, image.png);
    images.push({ path, text, bytes: image.png.length });
  }
  return images;
}

export async function photoVariants(dir: string): Promise<Photo[]> {
  const photos: Photo[] = [];
  for (const [width, height] of PHOTO_SIZES) {
    const bytes = await sharp(PHOTO).resize(width, height, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
    const path = join(dir, `dog-${width}x${height}.jpg`);
    await writeFile(path, bytes);
    photos.push({ path, width, height, bytes: bytes.length });
  }
  return photos;
}

export const PHOTO_SOURCE = PHOTO;
