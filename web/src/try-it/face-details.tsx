// Faces over the image (box, landmark points, a short label) and, beside it, what the model said
// about each face: score, age, gender and expressions.
import type { Face, Shape } from './classify-output.js';
import { ImageOverlay } from './image-overlay.js';
import { ScoreBars } from './score-bars.js';
import { useTryItStrings } from './try-it-strings.js';

export function FaceResults({ faces, imageSrc }: { faces: Face[]; imageSrc: string | undefined }) {
  const s = useTryItStrings();
  const shapes: Shape[] = faces.map((face, index) => ({
    label: [`#${index + 1}`, face.gender?.label, face.age !== undefined ? `${Math.round(face.age)}` : undefined, face.expression?.[0]?.label].filter(Boolean).join(' '),
    colorKey: '',
    box: face.box,
    ...(face.landmarks && { points: face.landmarks }),
  }));
  return (
    <div data-testid="faces">
      {imageSrc && <ImageOverlay src={imageSrc} shapes={shapes} label={`${s.faces}: ${faces.length}`} />}
      {faces.length === 0 && <p className="muted">{s.noResults}</p>}
      <ol className="try-faces">
        {faces.map((face, index) => (
          <li key={index} data-testid="face">
            <h3>
              {s.face} #{index + 1} <span className="muted">{face.score.toFixed(3)}</span>
            </h3>
            <dl>
              {face.age !== undefined && (
                <>
                  <dt>{s.age}</dt>
                  <dd data-testid="face-age">{face.age.toFixed(1)}</dd>
                </>
              )}
              {face.gender && (
                <>
                  <dt>{s.gender}</dt>
                  <dd data-testid="face-gender">
                    {face.gender.label} <span className="muted">{face.gender.score.toFixed(2)}</span>
                  </dd>
                </>
              )}
              {face.landmarks && (
                <>
                  <dt>{s.landmarks}</dt>
                  <dd>{face.landmarks.length}</dd>
                </>
              )}
            </dl>
            {face.expression && face.expression.length > 0 && <ScoreBars testId="face-expression" labels={face.expression.slice(0, 3)} />}
          </li>
        ))}
      </ol>
    </div>
  );
}
