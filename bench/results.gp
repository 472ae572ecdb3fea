# Chart of the benchmark (run by scripts/bench.sh):
#   gnuplot -e "dir='build-bench'; out='bench/results.png'" bench/results.gp
# Reads the .dat files bench/report.py writes into dir.
if (!exists("dir")) dir = "build-bench"
if (!exists("out")) out = "bench/results.png"

set terminal pngcairo size 1600,900 font "DejaVu Sans,10" noenhanced
set output out
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.95
set grid ytics lc rgb "#dddddd"
set key top left horizontal font ",9"
set yrange [0:*]
set offsets 0, 0, graph 0.22, 0
set xtics nomirror scale 0 font ",9"
set ytics font ",9"
set format y "%.0s%c"

c_bl = "#1b7f3b"; c_jsmn = "#8fb3d9"; c_cj = "#c85a28"
# Value labels: with n bars per cluster and gap 1, bar j sits at x + (j-(n-1)/2)/(n+1).
lab(v) = (v != v) ? "" : (v >= 1000 ? sprintf("%.1fk", v/1000.0) : (v >= 10 ? sprintf("%.0f", v) : sprintf("%.2g", v)))
o3(j) = (j - 1.0) / 4.0
o2(j) = (j - 0.5) / 3.0

set multiplot title "banklink vs libcurl + cJSON vs jsmn — one run (see bench/results.md)" font ",13"

# ------------------------------------------------------------ decode row
set size 1.0/3, 0.47
set origin 0, 0.48
set title "Decode: instructions / decode (callgrind)"
plot dir."/decode_instr.dat" using 2:xtic(1) title "banklink" lc rgb c_bl, \
     '' using 3 title "jsmn loop" lc rgb c_jsmn, '' using 4 title "cJSON" lc rgb c_cj, \
     '' using ($0+o3(0)):2:(lab($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o3(1)):3:(lab($3)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o3(2)):4:(lab($4)) with labels offset 0,0.6 font ",8" notitle

set origin 1.0/3, 0.48
set title "Decode: ns / decode (median, pinned)"
set format y "%.0f"
plot dir."/decode_ns.dat" using 2:xtic(1) title "banklink" lc rgb c_bl, \
     '' using 3 title "jsmn loop" lc rgb c_jsmn, '' using 4 title "cJSON" lc rgb c_cj, \
     '' using ($0+o3(0)):2:(lab($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o3(1)):3:(lab($3)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o3(2)):4:(lab($4)) with labels offset 0,0.6 font ",8" notitle

set origin 2.0/3, 0.48
set title "Decode: heap allocations / decode"
plot dir."/decode_allocs.dat" using 2:xtic(1) title "banklink" lc rgb c_bl, \
     '' using 3 title "jsmn loop" lc rgb c_jsmn, '' using 4 title "cJSON" lc rgb c_cj, \
     '' using ($0+o3(0)):2:(lab($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o3(1)):3:(lab($3)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o3(2)):4:(lab($4)) with labels offset 0,0.6 font ",8" notitle

# ------------------------------------------------------------ end-to-end row
set size 0.25, 0.47
set bmargin 4
set format y "%.0s%c"
set origin 0, 0
set title "End to end: client instructions / call"
plot dir."/e2e_instr.dat" using 2:xtic(1) title "banklink" lc rgb c_bl, \
     '' using 3 title "libcurl+cJSON" lc rgb c_cj, \
     '' using ($0+o2(0)):2:(lab($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o2(1)):3:(lab($3)) with labels offset 0,0.6 font ",8" notitle

set origin 0.25, 0
set title "End to end: calls / second (pinned, median)"
plot dir."/e2e_cps.dat" using 2:xtic(1) title "banklink" lc rgb c_bl, \
     '' using 3 title "libcurl+cJSON" lc rgb c_cj, \
     '' using ($0+o2(0)):2:(lab($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o2(1)):3:(lab($3)) with labels offset 0,0.6 font ",8" notitle

set origin 0.5, 0
set title "End to end: heap allocations / call"
set format y "%.0f"
plot dir."/e2e_allocs.dat" using 2:xtic(1) title "banklink" lc rgb c_bl, \
     '' using 3 title "libcurl+cJSON" lc rgb c_cj, \
     '' using ($0+o2(0)):2:(lab($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o2(1)):3:(lab($3)) with labels offset 0,0.6 font ",8" notitle

set origin 0.75, 0
set title "End to end: client peak RSS (KiB)"
plot dir."/e2e_rss.dat" using 2:xtic(1) title "banklink" lc rgb c_bl, \
     '' using 3 title "libcurl+cJSON" lc rgb c_cj, \
     '' using ($0+o2(0)):2:(lab($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0+o2(1)):3:(lab($3)) with labels offset 0,0.6 font ",8" notitle

unset multiplot
