// The files the tuning framework writes into every tuned model repo, beside the method's own.
export const TRAINING_PARAMS_FILE = 'training_params.json';
export const METRICS_FILE = 'metrics.json';
export const TRAINING_CURVE_FILE = 'training_curve.png';
export const CONFIGURATION_FILE = 'configuration.json';
export const CARD_FILE = 'README.md';
/** What method files may not be called (the framework writes them). */
export const FRAMEWORK_FILES: readonly string[] = [TRAINING_PARAMS_FILE, METRICS_FILE, TRAINING_CURVE_FILE, CONFIGURATION_FILE, CARD_FILE, '.gitattributes'];
