// An image's width and height from its header (libvips reads the header only, no pixels), as the
// `datasets` library's PIL `image.size` gives them (no EXIF rotation). Undefined for a file that is
// not an image sharp can read; the statistics then count it as null.
import sharp from 'sharp';

export async function imageSize(path: string): Promise<{ width: number; height: number } | undefined> {
  try {
    const { width, height } = await sharp(path, { limitInputPixels: false }).metadata();
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}
