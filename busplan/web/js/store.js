// Problems and results already in the page, so that opening a job just submitted or just
// listed does not download them again.

const problems = new Map();
const results = new Map();

export const cache = {
  problem: (id) => problems.get(id),
  setProblem: (id, doc) => problems.set(id, doc),
  result: (id) => results.get(id),
  setResult: (id, result) => results.set(id, result),
};
