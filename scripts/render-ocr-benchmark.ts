// Renders the starter OCR benchmark shipped in catalog/ocr-rendered-zh-en/: a few hundred single
// text lines (Chinese, English and mixed) in four CJK fonts with exact ground truth, some rotated,
// turned upside down or noised, in the Hugging Face `imagefolder` shape (test/metadata.jsonl with
// file_name + text). Generated once with a fixed seed and shipped, because the fonts are Debian
// packages that are not on every machine:
//   apt-get install fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-uming fonts-arphic-ukai
//   node --import tsx scripts/render-ocr-benchmark.ts
// Every character is checked against the PP-OCR dictionary, so a miss is the model's, not the set's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

const SEED = 13;
const LINES = 300;
const OUT_DIR = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'catalog', 'ocr-rendered-zh-en', 'test'));
const DICTIONARY = join(import.meta.dirname, '..', 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ppocr_keys_v1.txt');

const FONTS = [
  { family: 'WenQuanYi Micro Hei', debianPackage: 'fonts-wqy-microhei', style: 'sans' },
  { family: 'WenQuanYi Zen Hei', debianPackage: 'fonts-wqy-zenhei', style: 'sans' },
  { family: 'AR PL UMing CN', debianPackage: 'fonts-arphic-uming', style: 'serif (Ming)' },
  { family: 'AR PL UKai CN', debianPackage: 'fonts-arphic-ukai', style: 'brush (Kai)' },
] as const;

/** Modern Chinese sentences written for this set, and lines of classical poems and sayings (public domain). */
const CHINESE = [
  '今天天气很好，我们去公园散步吧',
  '请在下一个路口向左转',
  '本店营业时间为早上九点至晚上十点',
  '会议将于下午三点在二楼会议室举行',
  '请保管好您的随身物品',
  '欢迎光临，祝您购物愉快',
  '图书馆周一闭馆，其余时间正常开放',
  '本产品仅供学习和研究使用',
  '地铁二号线开往西直门方向',
  '小心地滑，请勿奔跑',
  '这家餐厅的饺子非常好吃',
  '明天上午有小雨，记得带伞',
  '人工智能正在改变我们的生活',
  '模型的准确率提高了三个百分点',
  '数据集包含训练集和测试集',
  '请输入您的用户名和密码',
  '文件已成功上传到服务器',
  '系统将在五分钟后自动重启',
  '禁止吸烟，违者罚款二百元',
  '前方施工，车辆请绕行',
  '春节期间快递服务暂停三天',
  '他每天早上六点起床跑步',
  '我们的目标是让每个人都能使用模型',
  '学而时习之，不亦说乎',
  '三人行，必有我师焉',
  '千里之行，始于足下',
  '知之为知之，不知为不知',
  '海内存知己，天涯若比邻',
  '床前明月光，疑是地上霜',
  '举头望明月，低头思故乡',
  '白日依山尽，黄河入海流',
  '欲穷千里目，更上一层楼',
  '春眠不觉晓，处处闻啼鸟',
  '夜来风雨声，花落知多少',
  '国破山河在，城春草木深',
  '两个黄鹂鸣翠柳，一行白鹭上青天',
  '停车坐爱枫林晚，霜叶红于二月花',
  '独在异乡为异客，每逢佳节倍思亲',
  '慈母手中线，游子身上衣',
  '野火烧不尽，春风吹又生',
  '请将垃圾分类投放',
  '儿童须在成人陪同下乘坐电梯',
  '感谢您的耐心等待',
  '新用户注册即送五十积分',
  '北京欢迎你',
  '长江是中国最长的河流',
  '故宫博物院每天限流四万人',
  '火车站在城市的东边',
  '这本书一共有十二章',
  '她正在准备下个月的考试',
  '公司年会定在十二月二十日',
  '请出示您的身份证件',
  '手机电量不足，请及时充电',
  '网络连接已断开，请检查设置',
  '开源社区的贡献者来自世界各地',
  '语音识别和文字识别都是常见任务',
  '周末的菜市场人很多',
  '一杯热茶，一本好书',
  '山重水复疑无路，柳暗花明又一村',
  '读书破万卷，下笔如有神',
];

/** English lines written for this set. */
const ENGLISH = [
  'The quick brown fox jumps over the lazy dog',
  'Please keep your ticket until the end of the trip',
  'Open daily from 9 am to 10 pm',
  'Model accuracy improved by three points',
  'The dataset has a train and a test split',
  'Upload finished in 42 seconds',
  'No parking in front of the gate',
  'Fresh bread baked every morning',
  'Meeting room B is on the second floor',
  'Thank you for shopping with us',
  'Wet floor, please walk carefully',
  'Next train to the airport in 6 minutes',
  'All passengers must wear seat belts',
  'Restart required to finish the update',
  'Hello world from a rendered image',
  'Keep calm and carry on',
  'Every result points at a commit',
  'Optical character recognition benchmark',
  'Warning: high voltage inside',
  'Exit only, no entry',
  'Batteries not included',
  'Store in a cool and dry place',
  'Best before the date on the lid',
  'Free shipping on orders over 99',
  'Your order has been shipped',
  'Press the green button to start',
  'Small steps every day add up',
  'Library books are due in two weeks',
  'Turn left at the second crossing',
  'Self-hosted model hub on one machine',
];

const PLACES = ['北京', '上海', '杭州', '深圳', '成都', '西安', '南京', '武汉'];
const WEATHER = ['晴', '多云', '小雨', '阴', '雷阵雨', '小雪'];
const ITEMS = [
  ['苹果', 'Apples'],
  ['牛奶', 'Milk'],
  ['面包', 'Bread'],
  ['咖啡', 'Coffee'],
  ['米饭', 'Rice'],
  ['绿茶', 'Green tea'],
  ['鸡蛋', 'Eggs'],
  ['饺子', 'Dumplings'],
] as const;

type Next = () => number;

/** mulberry32: a tiny seeded PRNG, so every run renders the same set. */
function random(seed: number): Next {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: Next, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const digits = (next: Next, count: number): string => Array.from({ length: count }, () => String(Math.floor(next() * 10))).join('');
const pad = (value: number): string => String(value).padStart(2, '0');

/** Receipt, sign and form lines that mix scripts, digits and punctuation. */
const MIXED: ((next: Next) => string)[] = [
  (next) => {
    const [zh, en] = pick(next, ITEMS);
    return `${zh} ${en} ×${1 + Math.floor(next() * 5)}  ¥${(1 + next() * 80).toFixed(2)}`;
  },
  (next) => `合计 Total: ¥${(10 + next() * 900).toFixed(2)}`,
  (next) => `订单号 Order No. ${digits(next, 10)}`,
  (next) => `电话 Tel: 0${digits(next, 2)}-${digits(next, 8)}`,
  (next) => `${2018 + Math.floor(next() * 8)}年${1 + Math.floor(next() * 12)}月${1 + Math.floor(next() * 28)}日 ${pick(next, PLACES)} ${pick(next, WEATHER)} ${Math.floor(next() * 35) - 5}°C`,
  (next) => `营业时间 Open ${pad(7 + Math.floor(next() * 4))}:00-${pad(18 + Math.floor(next() * 5))}:00`,
  (next) => `第${1 + Math.floor(next() * 30)}章 Chapter ${1 + Math.floor(next() * 30)}`,
  (next) => `Moda 模型服务 v${1 + Math.floor(next() * 3)}.${Math.floor(next() * 10)}.${Math.floor(next() * 20)}`,
  (next) => `${pick(next, PLACES)}站 Platform ${1 + Math.floor(next() * 12)}`,
  () => `谢谢惠顾 Thank you`,
  (next) => `准确率 Accuracy: ${(80 + next() * 19.9).toFixed(1)}%`,
  (next) => `温度 ${(15 + next() * 20).toFixed(1)}°C  湿度 ${Math.floor(30 + next() * 60)}%`,
  (next) => `邮箱 Email: user${digits(next, 3)}@example.com`,
  (next) => `房间 Room ${1 + Math.floor(next() * 9)}0${1 + Math.floor(next() * 9)}`,
];

type Distortion = 'none' | 'rotated' | 'noised' | 'rotated+noised' | 'upside_down';
const DISTORTIONS: readonly Distortion[] = ['none', 'none', 'none', 'none', 'rotated', 'rotated', 'noised', 'noised', 'rotated+noised', 'upside_down'];
const INKS = ['#000000', '#1a1a1a', '#202a44', '#3b1f1f', '#123524'];
const PAPERS = ['#ffffff', '#ffffff', '#f5f1e8', '#eeeeee', '#fbfbf3'];

function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function hexRgb(hex: string): { r: number; g: number; b: number } {
  return { r: parseInt(hex.slice(1, 3), 16), g: parseInt(hex.slice(3, 5), 16), b: parseInt(hex.slice(5, 7), 16) };
}

/** Box–Muller on the seeded generator. */
function gaussian(next: Next): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

interface Sample {
  file_name: string;
  text: string;
  language: 'zh' | 'en' | 'mixed';
  font: string;
  font_size: number;
  distortion: Distortion;
  rotation: number;
  width: number;
  height: number;
}

async function renderLine(next: Next, index: number, text: string, language: Sample['language']): Promise<{ sample: Sample; image: Buffer }> {
  const font = FONTS[index % FONTS.length]!;
  const size = pick(next, [20, 24, 28, 32, 36, 40]);
  const distortion = pick(next, DISTORTIONS);
  const ink = pick(next, INKS);
  const paper = pick(next, PAPERS);
  const glyphs = await sharp({ text: { text: `<span foreground="${ink}">${escapeMarkup(text)}</span>`, font: `${font.family} ${size}`, dpi: 72, rgba: true } }).png().toBuffer();
  const margin = Math.round(size * (0.3 + next() * 0.5));
  let image = sharp(glyphs).extend({ top: margin, bottom: margin, left: margin, right: margin, background: { ...hexRgb(paper), alpha: 1 } }).flatten({ background: paper });
  let rotation = 0;
  if (distortion === 'rotated' || distortion === 'rotated+noised') {
    rotation = Math.round((2 + next() * 8) * (next() < 0.5 ? -1 : 1) * 10) / 10;
    image = sharp(await image.png().toBuffer()).rotate(rotation, { background: paper });
  } else if (distortion === 'upside_down') {
    rotation = 180;
    image = sharp(await image.png().toBuffer()).rotate(180);
  }
  const noised = distortion === 'noised' || distortion === 'rotated+noised';
  let output: Buffer;
  let extension: string;
  if (noised) {
    const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const sigma = 10 + next() * 20;
    for (let offset = 0; offset < data.length; offset++) data[offset] = Math.max(0, Math.min(255, Math.round(data[offset]! + gaussian(next) * sigma)));
    output = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
      .blur(0.5 + next() * 0.6)
      .jpeg({ quality: 55 + Math.floor(next() * 30) })
      .toBuffer();
    extension = 'jpg';
  } else {
    output = await image.png({ compressionLevel: 9, palette: true }).toBuffer();
    extension = 'png';
  }
  const meta = await sharp(output).metadata();
  return {
    sample: { file_name: `${String(index).padStart(4, '0')}.${extension}`, text, language, font: font.family, font_size: size, distortion, rotation, width: meta.width ?? 0, height: meta.height ?? 0 },
    image: output,
  };
}

function lineTexts(next: Next): { text: string; language: Sample['language'] }[] {
  const lines: { text: string; language: Sample['language'] }[] = [];
  // Each fixed sentence once in some font, the rest generated mixed lines.
  for (const text of CHINESE) lines.push({ text, language: 'zh' });
  for (const text of ENGLISH) lines.push({ text, language: 'en' });
  // A second round of the fixed sentences (another font, size and distortion each time, by chance).
  for (const text of CHINESE) lines.push({ text, language: 'zh' });
  for (const text of ENGLISH) lines.push({ text, language: 'en' });
  while (lines.length < LINES) lines.push({ text: pick(next, MIXED)(next), language: 'mixed' });
  for (let index = lines.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [lines[index], lines[other]] = [lines[other]!, lines[index]!];
  }
  return lines;
}

async function main(): Promise<void> {
  const installed = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' });
  const missing = FONTS.filter((font) => !installed.includes(font.family));
  if (missing.length) throw new Error(`fonts missing: apt-get install ${missing.map((font) => font.debianPackage).join(' ')}`);
  const dictionary = new Set(readFileSync(DICTIONARY, 'utf8').split('\n'));
  const next = random(SEED);
  const lines = lineTexts(next);
  for (const { text } of lines) {
    const unknown = [...text].filter((char) => char !== ' ' && !dictionary.has(char));
    if (unknown.length) throw new Error(`"${text}" has characters outside the PP-OCR dictionary: ${unknown.join(' ')}`);
  }
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
  const samples: Sample[] = [];
  for (const [index, line] of lines.entries()) {
    const { sample, image } = await renderLine(next, index, line.text, line.language);
    await writeFile(join(OUT_DIR, sample.file_name), image);
    samples.push(sample);
  }
  await writeFile(join(OUT_DIR, 'metadata.jsonl'), samples.map((sample) => JSON.stringify(sample)).join('\n') + '\n');
  const count = (key: keyof Sample) => Object.fromEntries([...new Set(samples.map((sample) => String(sample[key])))].sort().map((value) => [value, samples.filter((sample) => String(sample[key]) === value).length]));
  console.log(`${samples.length} lines → ${OUT_DIR}`);
  console.log('language', JSON.stringify(count('language')));
  console.log('font', JSON.stringify(count('font')));
  console.log('distortion', JSON.stringify(count('distortion')));
}

await main();
