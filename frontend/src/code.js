// "Copy as code": the query being shown, as a request to this endpoint in a few languages. The query goes
// into each language's string syntax through JSON.stringify (a JSON string is also a valid Python, R and
// JavaScript literal), and into shell through single quotes, so any text survives.

const shell = (s) => `'${s.replace(/'/g, "'\\''")}'`;
const str = (s) => JSON.stringify(s);

export function codeSamples(endpoint, query, kind) {
  const accept = kind === "graph" ? "text/turtle" : "application/sparql-results+json";
  const json = kind !== "graph";
  return {
    curl: {label: "curl", code: `curl -G ${shell(endpoint)} -H ${shell("Accept: " + accept)} --data-urlencode ${shell("query=" + query)}`},
    sparqlwrapper: {label: "Python (SPARQLWrapper)", code: [
      "from SPARQLWrapper import SPARQLWrapper, " + (json ? "JSON" : "TURTLE"), "",
      `sparql = SPARQLWrapper(${str(endpoint)})`, `sparql.setQuery(${str(query)})`,
      `sparql.setReturnFormat(${json ? "JSON" : "TURTLE"})`, "result = sparql.queryAndConvert()",
      json ? 'for row in result["results"]["bindings"]:\n    print(row)' : "print(result)"].join("\n")},
    requests: {label: "Python (requests)", code: [
      "import requests", "", `response = requests.get(${str(endpoint)}, params={"query": ${str(query)}},`,
      `                        headers={"Accept": ${str(accept)}}, timeout=60)`, "response.raise_for_status()",
      json ? 'for row in response.json()["results"]["bindings"]:\n    print(row)' : "print(response.text)"].join("\n")},
    fetch: {label: "JavaScript (fetch)", code: [
      `const url = new URL(${str(endpoint)});`, `url.searchParams.set("query", ${str(query)});`,
      `const response = await fetch(url, {headers: {Accept: ${str(accept)}}});`,
      json ? "const {results} = await response.json();\nconsole.log(results.bindings);"
        : "console.log(await response.text());"].join("\n")},
    r: {label: "R (httr)", code: [
      "library(httr)", "", `response <- GET(${str(endpoint)}, query = list(query = ${str(query)}),`,
      `                add_headers(Accept = ${str(accept)}))`, "stop_for_status(response)",
      json ? 'result <- content(response, as = "parsed")\nstr(result$results$bindings)'
        : 'cat(content(response, as = "text"))'].join("\n")},
  };
}
