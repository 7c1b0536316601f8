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

export async function cropCatalogImage(file: string, crop: CatalogCrop, repo: string): Promise<Buffer> {
  try {
    // EXIF orientation first, so the region is where it shows in a viewer.
    let image = sharp(file).rotate().extract({ left: crop.left, top: crop.top, width: crop.width, height: crop.height });
    if (crop.mirror) image = image.flop();
    if (crop.resize_width !== undefined) image = image.resize({ width: crop.resize_width });
    return await image.jpeg({ quality: 90 }).toBuffer();
  } catch (error) {
    throw new ModaError('CONFIG_INVALID', `${repo}: cannot cut ${JSON.stringify(crop)} from ${file}: ${(error as Error).message}`, { cause: error });
  }
}
