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
}

export async function cropCatalogImage(file: string, crop: CatalogCrop, repo: string): Promise<Buffer> {
  try {
    // EXIF orientation first, so the region is where it shows in a viewer.
    return await sharp(file).rotate().extract(crop).jpeg({ quality: 90 }).toBuffer();
  } catch (error) {
    throw new ModaError('CONFIG_INVALID', `${repo}: cannot cut ${JSON.stringify(crop)} from ${file}: ${(error as Error).message}`, { cause: error });
  }
}
