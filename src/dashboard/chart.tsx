/** A time-series chart (uPlot, ~50 kB, canvas): one x axis of epoch ms, one or more series. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Bars instead of a line. */
  bars?: boolean;
}

export function TimeChart(props: {
  t: number[];
  series: ChartSeries[];
  height?: number;
  /** Axis values as milliseconds (shown as ms, s or min). */
  durations?: boolean;
  id?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(element.clientWidth, 240);
    const format = props.durations ? shortDuration : shortNumber;
    const bars = uPlot.paths.bars?.({ size: [0.7, 24] });
    const plot = new uPlot(
      {
        width,
        height: props.height ?? 180,
        legend: { show: props.series.length > 1, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max, min, 1) * 1.1] } },
        axes: [
          { stroke: '#475569', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
          {
            stroke: '#475569',
            grid: { stroke: '#eef2f7' },
            ticks: { stroke: '#e2e8f0' },
            size: 56,
            values: (_u, ticks) => ticks.map(format),
          },
        ],
        series: [
          { label: 'time' },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            ...(s.bars ? { fill: s.color } : props.series.length === 1 ? { fill: `${s.color}1a` } : {}),
            ...(s.bars && bars ? { paths: bars } : {}),
            points: { show: false },
            spanGaps: false,
          })),
        ],
      },
      [props.t.map((ms) => ms / 1000), ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 240), height: props.height ?? 180 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.t, props.series, props.height, props.durations]);
  return <div class="chart" ref={box} id={props.id} />;
}

function shortDuration(ms: number): string {
  if (ms === 0) return '0';
  if (Math.abs(ms) < 1_000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${Number((ms / 1_000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

function shortNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (abs >= 10_000) return `${Math.round(value / 1_000)}k`;
  if (abs >= 1_000) return `${(value / 1_000).toFixed(1)}k`;
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(1);
}
