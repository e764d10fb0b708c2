/*
 * backtest_report.c — the self-contained HTML report of a backtest.
 *
 * One file, no network when opened: lightweight-charts (npm, inlined at
 * build time from webui/node_modules into host_lwc_js), the run's data as
 * one JSON document, and a short script that draws from it: the equity of
 * each version, its drawdown, each symbol's hourly close with the trades
 * marked (and beside each version's equity its buy-and-hold benchmark,
 * dashed), the metrics table, per-symbol results and each version's
 * config (secrets redacted). Curves longer than MAX_POINTS are thinned to
 * every k-th point (the last one always kept), so a year of minutes stays
 * a few megabytes.
 */
#include "backtest_report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "log.h"

#define MAX_POINTS 4000

extern const unsigned char host_lwc_js[];
extern const unsigned long host_lwc_js_len;

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* [[t_seconds, equity, drawdown_pct, buy_and_hold], ...] thinned to
 * MAX_POINTS; buy_and_hold null before the book started. */
static json_t *equity_json(const host_bt_record *r)
{
    json_t *a = json_array();
    size_t step =
        r->n_eq > MAX_POINTS ? (r->n_eq + MAX_POINTS - 1) / MAX_POINTS : 1;
    double peak = -INFINITY;
    for (size_t i = 0; i < r->n_eq; i++) {
        if (r->eq[i] > peak)
            peak = r->eq[i];
        if (i % step != 0 && i + 1 != r->n_eq)
            continue;
        double dd = peak > 0 ? (r->eq[i] - peak) / peak * 100.0 : 0;
        json_array_append_new(a, json_pack("[I, o, o, o]",
                                           (json_int_t)(r->eq_ts[i] / 1000),
                                           num(r->eq[i]), num(dd),
                                           num(r->bench ? r->bench[i] : NAN)));
    }
    return a;
}

static json_t *fills_json(const host_bt_record *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_fills; i++) {
        const perp_fill *f = &r->fills[i];
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:o, s:o, s:s}", "t",
                         (json_int_t)(f->ts / 1000), "symbol", f->symbol,
                         "side", f->qty < 0 ? "sell" : "buy", "qty",
                         num(fabs(f->qty)), "price", num(f->price), "cause",
                         perp_fill_cause_name(f->cause)
                             ? perp_fill_cause_name(f->cause)
                             : "?"));
    }
    return a;
}

/* Round trips per symbol: count, wins, net P&L, fees. */
static json_t *per_symbol_json(const host_agent *a)
{
    json_t *o = json_object();
    const perp_round_trip *t = host_trade_book_all(a->book);
    size_t n = host_trade_book_count(a->book);
    for (size_t m = 0; m < a->n_markets; m++) {
        const char *sym = a->markets[m].symbol;
        size_t trips = 0, wins = 0;
        double net = 0, fees = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(t[i].symbol, sym) == 0) {
                trips++;
                wins += t[i].net_pnl > 0;
                net += t[i].net_pnl;
                fees += t[i].fees;
            }
        json_object_set_new(o, sym,
                            json_pack("{s:I, s:I, s:o, s:o}", "trips",
                                      (json_int_t)trips, "wins",
                                      (json_int_t)wins, "net_pnl", num(net),
                                      "fees", num(fees)));
    }
    return o;
}

static json_t *prices_json(const host_backtest *b)
{
    json_t *o = json_object();
    for (size_t i = 0; i < b->n_symbols; i++) {
        const host_bt_series *s = &b->series[i];
        json_t *a = json_array();
        for (size_t k = 0; k < s->n; k++)
            json_array_append_new(a, json_pack("[I, o]",
                                               (json_int_t)(s->ts[k] / 1000),
                                               num(s->close[k])));
        json_object_set_new(o, s->symbol, a);
    }
    return o;
}

static json_t *versions_json(const host_backtest *b)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < b->n; i++) {
        const host_agent *a = b->v[i].agent;
        char *cfg = host_config_to_json_redacted(host_config_root(a->cfg));
        json_t *c = cfg ? json_loads(cfg, 0, NULL) : NULL;
        free(cfg);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "version",
                           a->set.version, "path", b->v[i].path, "equity",
                           equity_json(&b->v[i].rec), "fills",
                           fills_json(&b->v[i].rec), "per_symbol",
                           per_symbol_json(a), "config", c ? c : json_null()));
    }
    return arr;
}

/* The metrics table's HTML, from the same rows the terminal prints. */
static void table_html(FILE *f, const host_bt_summary *s, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return;
    host_bt_print_table(m, s, n);
    fclose(m);
    fputs("<table id=\"metrics\">", f);
    int header = 1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        fputs("<tr>", f);
        /* Columns are two or more spaces apart; labels have single ones. */
        char *p = line;
        while (*p) {
            char *end = strstr(p, "  ");
            size_t cell = end ? (size_t)(end - p) : strlen(p);
            if (cell) {
                fprintf(f, header ? "<th>" : "<td>");
                for (size_t k = 0; k < cell; k++)
                    fputs(p[k] == '<'   ? "&lt;"
                          : p[k] == '&' ? "&amp;"
                                        : (char[2]){p[k], 0},
                          f);
                fprintf(f, header ? "</th>" : "</td>");
            }
            p += cell;
            while (*p == ' ')
                p++;
        }
        fputs("</tr>\n", f);
        header = 0;
    }
    fputs("</table>\n", f);
    free(text);
}

static const char page_head[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>perpd backtest</title>\n<style>\n"
    "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\n"
    "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}\n"
    ".chart{width:100%;height:320px}\n"
    "table{border-collapse:collapse}td,th{padding:2px 10px;"
    "border-bottom:1px solid #ddd;text-align:right}\n"
    "td:first-child,th:first-child{text-align:left}\n"
    "pre{background:#f6f6f6;padding:1em;overflow:auto;max-height:30em}\n"
    "</style>\n";

static const char page_script[] =
    "<script>\n"
    "(function(){\n"
    "const data=JSON.parse(document.getElementById('data').textContent);\n"
    "const colors=['#1f77b4','#d62728','#2ca02c','#9467bd','#ff7f0e',"
    "'#8c564b','#e377c2','#17becf'];\n"
    "const opts={height:320,timeScale:{timeVisible:true},"
    "layout:{attributionLogo:false}};\n"
    "function chart(id){const el=document.getElementById(id);"
    "return LightweightCharts.createChart(el,"
    "Object.assign({width:el.clientWidth||900},opts));}\n"
    "const eq=chart('equity'),dd=chart('drawdown');\n"
    "let benchmarks=0;\n"
    "data.versions.forEach((v,i)=>{\n"
    " const c=colors[i%colors.length];\n"
    " eq.addLineSeries({color:c,title:v.version}).setData("
    "v.equity.map(p=>({time:p[0],value:p[1]})));\n"
    " const bh=v.equity.filter(p=>p[3]!==null);\n"
    " if(bh.length)benchmarks++;\n"
    " if(bh.length)eq.addLineSeries({color:c,lineStyle:2,lineWidth:1,"
    "title:v.version+' buy-and-hold'}).setData(bh.map(p=>({time:p[0],"
    "value:p[3]})));\n"
    " dd.addLineSeries({color:c,title:v.version}).setData("
    "v.equity.map(p=>({time:p[0],value:p[2]})));\n"
    "});\n"
    "eq.timeScale().fitContent();dd.timeScale().fitContent();\n"
    "const host=document.getElementById('prices');\n"
    "Object.keys(data.prices).forEach(sym=>{\n"
    " const h=document.createElement('h3');h.textContent=sym;"
    "host.appendChild(h);\n"
    " const el=document.createElement('div');el.className='chart';"
    "el.id='price-'+sym;host.appendChild(el);\n"
    " const ch=chart(el.id);\n"
    " const s=ch.addLineSeries({color:'#555',title:sym});\n"
    " s.setData(data.prices[sym].map(p=>({time:p[0],value:p[1]})));\n"
    " const marks=[];\n"
    " data.versions.forEach((v,i)=>v.fills.filter(f=>f.symbol===sym)"
    ".forEach(f=>{const hour=Math.ceil(f.t/3600)*3600;"
    "marks.push({time:hour,position:f.side==='buy'?'belowBar':'aboveBar',"
    "color:colors[i%colors.length],shape:f.side==='buy'?'arrowUp':"
    "'arrowDown',text:v.version+' '+f.side+' '+f.qty});}));\n"
    " marks.sort((a,b)=>a.time-b.time);s.setMarkers(marks);\n"
    " ch.timeScale().fitContent();\n"
    "});\n"
    "const ps=document.getElementById('per-symbol');\n"
    "data.versions.forEach(v=>{Object.keys(v.per_symbol).forEach(sym=>{"
    "const r=v.per_symbol[sym];const tr=document.createElement('tr');"
    "[v.version,sym,r.trips,r.wins,(r.net_pnl||0).toFixed(2),"
    "(r.fees||0).toFixed(2)].forEach(x=>{const td=document.createElement("
    "'td');td.textContent=x;tr.appendChild(td);});ps.appendChild(tr);});});\n"
    "const cf=document.getElementById('configs');\n"
    "data.versions.forEach(v=>{const h=document.createElement('h3');"
    "h.textContent=v.version+' ('+v.path+')';cf.appendChild(h);"
    "const pre=document.createElement('pre');pre.textContent="
    "JSON.stringify(v.config,null,2);cf.appendChild(pre);});\n"
    "document.body.dataset.benchmarks=String(benchmarks);\n"
    "document.body.dataset.drawn='yes';\n"
    "})();\n</script>\n";

/* JSON inside <script> must not close the element early. */
static void put_script_json(FILE *f, const char *json)
{
    for (const char *p = json; *p; p++) {
        if (p[0] == '<' && p[1] == '/')
            fputs("<\\/", f), p++;
        else
            fputc(*p, f);
    }
}

int host_bt_report_write(const char *path, const host_backtest *b,
                         const host_bt_summary *s)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        host_log(PERP_LOG_ERROR, "backtest", "cannot write %s", path);
        return PERP_ERR;
    }
    json_t *data = json_pack("{s:o, s:o}", "versions", versions_json(b),
                             "prices", prices_json(b));
    char *json = json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(data);
    fputs(page_head, f);
    fputs("<script>\n", f);
    fwrite(host_lwc_js, 1, host_lwc_js_len, f);
    fputs("\n</script>\n</head><body>\n<h1>perpd backtest</h1>\n", f);
    fputs("<h2>Equity (dashed: buy-and-hold of the version's symbols)</h2><div "
          "id=\"equity\" class=\"chart\"></div>\n"
          "<h2>Drawdown %</h2><div id=\"drawdown\" class=\"chart\"></div>\n"
          "<h2>Metrics</h2>\n",
          f);
    table_html(f, s, b->n);
    fputs("<h2>Per symbol</h2><table><tr><th>version</th><th>symbol</th>"
          "<th>round trips</th><th>wins</th><th>net P&amp;L</th>"
          "<th>fees</th></tr><tbody id=\"per-symbol\"></tbody></table>\n"
          "<h2>Prices and trades</h2><div id=\"prices\"></div>\n"
          "<h2>Config</h2><div id=\"configs\"></div>\n"
          "<script type=\"application/json\" id=\"data\">",
          f);
    put_script_json(f, json ? json : "{}");
    fputs("</script>\n", f);
    fputs(page_script, f);
    fputs("</body></html>\n", f);
    free(json);
    if (fclose(f) != 0) {
        host_log(PERP_LOG_ERROR, "backtest", "cannot write %s", path);
        return PERP_ERR;
    }
    host_log(PERP_LOG_INFO, "backtest", "report written to %s", path);
    return PERP_OK;
}
