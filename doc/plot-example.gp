# Drawn by acc-plot 0.1.0.  To draw it again, run gnuplot on this file
# in its directory; set datafile and outfile (gnuplot -e) to use other names.
if (!exists("datafile")) datafile = "plot-example.tsv"
if (!exists("outfile")) outfile = "plot-example.png"
set encoding utf8
set terminal pngcairo size 1024,640 noenhanced font "Sans,11"
if (outfile eq "") { set output } else { set output outfile }
set title "ResNet-20 on CIFAR-10: lr divided by 10 after epoch 20 (A20) or never (B20)"
set xlabel "epoch"
set ylabel "accuracy (%)"
set grid xtics ytics lc rgb "#dddddd" lw 1 dt 1
set key outside below center horizontal Left reverse box lc rgb "#cccccc" samplen 2 width 1 maxcols 3
set bmargin 7
set ytics nomirror
set xrange [0:23]
set logscale y2
set y2range [0.003333333333:3]
set y2tics nomirror format "%g"
set y2label "learning rate"
set y2tics (0.1, 0.01)
set arrow from 20, graph 0 to 20, graph 1 nohead lw 1 dt 2 lc rgb "#777777" back
set label "lr 0.01" at 20, graph 0.97 offset 0.5,0 left tc rgb "#555555"
plot datafile index 0 using 1:3:4 with filledcurves fs transparent solid 0.35 noborder lc rgb "#888888" title "golden resnet20-pytorch-fork20 test ± tolerance", \
     datafile index 0 using 1:2 with lines lw 1 dt 1 lc rgb "#444444" notitle, \
     datafile index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#1f77b4" title "A20 (lr 0.1, then 0.01) test", \
     datafile index 2 using 1:2 axes x1y2 with steps lw 1.5 dt (3,3) lc rgb "#1f77b4" title "A20 (lr 0.1, then 0.01) lr", \
     datafile index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#d62728" title "B20 (lr 0.1 throughout) test", \
     datafile index 4 using 1:2 axes x1y2 with steps lw 1.5 dt (3,3) lc rgb "#d62728" title "B20 (lr 0.1 throughout) lr", \
     91.25 with lines lw 1.5 dt (8,4,2,4) lc rgb "#000000" title "paper, ResNet-20 after 64k iterations (91.25%)"
