// A starter dataset may be cut from photos that ship in a package (a face from a group photo): the
// catalog names the photo and the region, and the import writes that region as a JPEG. The photos
// stay in their package and the catalog holds no image of its own.
import sharp from 'sharp';
import { ModaError } from '../errors/moda-error.js';

export interface CatalogCrop {
  left: number;
  top: number;
  width: number;
  height: number;
  /** Flipped left to right after cutting (a held-out view of the same face). */
  mirror?: boolean;
  /** Scaled to this width after cutting, keeping the aspect ratio. */
  resize_width?: number;
}

interface DecodedPhoto {
  file: string;
  pixels: Buffer;
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/**
 * Cuts regions from photos, decoding each photo once for the regions that follow it (a catalog lists
 * a photo's faces together; decoding a 1920 px JPEG again for each face was most of an import).
 */
export class CatalogImageCropper {
  private last: DecodedPhoto | undefined;

  constructor(private readonly repo: string) {}

  async crop(file: string, crop: CatalogCrop): Promise<Buffer> {
    try {
      if (this.last?.file !== file) {
        // EXIF orientation first, so the region is where it shows in a viewer.
        const { data, info } = await sharp(file).rotate().raw().toBuffer({ resolveWithObject: true });
        this.last = { file, pixels: data, info: { width: info.width, height: info.height, channels: info.channels } };
      }
      let image = sharp(this.last.pixels, { raw: this.last.info }).extract({ left: crop.left, top: crop.top, width: crop.width, height: crop.height });
      if (crop.mirror) image = image.flop();
      if (crop.resize_width !== undefined) image = image.resize({ width: crop.resize_width });
      return await image.jpeg({ quality: 90 }).toBuffer();
    } catch (error) {
      throw new ModaError('CONFIG_INVALID', `${this.repo}: cannot cut ${JSON.stringify(crop)} from ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
}
