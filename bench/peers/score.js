// Scores texts with the published lexicon packages, for the accuracy benchmark (bench/Rapport.Bench/Accuracy.cs).
// stdin: a JSON array of strings. stdout: a JSON array of { vader, afinn } in the same order, where vader is
// VADER's compound score (-1..1) and afinn is the `sentiment` package's AFINN-165 score (a sum of word values).
'use strict';
const vader = require('vader-sentiment');
const Sentiment = require('sentiment');

const afinn = new Sentiment();
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const texts = JSON.parse(input);
  const out = texts.map((text) => ({
    vader: vader.SentimentIntensityAnalyzer.polarity_scores(text).compound,
    afinn: afinn.analyze(text).score,
  }));
  process.stdout.write(JSON.stringify(out));
});
