// Masks travel as single-channel PNGs (255 = inside) so they are small and any image viewer shows them.
import sharp from 'sharp';

export async function encodePngMask(data: ArrayLike<number> & { length: number }, width: number, height: number, channels: number): Promise<string> {
  const grey = Buffer.alloc(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * channels] ?? 0;
  // sharp widens raw single-channel input to sRGB unless told the colour space.
  const png = await sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
  return png.toString('base64');
}
