import Foundation

/// Hand-written SVG: a report must open without network or scripts, and these three chart
/// kinds need only a few primitives. Each kind has its own plot-area tint, which
/// scripts/check_report_png.py looks for in the rendered page.
enum SVG {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A chart's opening tag and its title; the caller closes it with "</svg>".
    static func open(id: String, width: Double, height: Double, title: String) -> String {
        "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">"
            + text(width / 2, 20, title, size: 15, extra: "font-weight=\"bold\"")
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "middle", size: Int = 12, extra: String = "") -> String {
        "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" \(extra)>\(escape(content))</text>"
    }

    /// The 0–1 y axis with gridlines, shared by the line and bar charts.
    static func unitYAxis(left: Double, top: Double, width: Double, height: Double, label: String) -> String {
        var out = ""
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            let y = top + height * (1 - tick)
            out += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(left + width))\" y2=\"\(number(y))\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>"
            out += text(left - 6, y + 4, String(format: "%.1f", tick), anchor: "end", size: 11)
        }
        out += text(14, top + height / 2, label, extra: "transform=\"rotate(-90 14 \(number(top + height / 2)))\"")
        return out
    }
}

/// Lines with points and optional error bars, y from 0 to 1.
struct LineChart {
    struct Point { let x: Double; let y: Double; let low: Double?; let high: Double? }
    struct Series { let name: String; let points: [Point] }

    let id: String
    let title: String
    let xLabel: String
    let yLabel: String
    let logX: Bool
    let series: [Series]
    let background: String

    func svg(width: Double = 680, height: Double = 380) -> String {
        let left = 60.0, right = 170.0, top = 36.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }
        let transform: (Double) -> Double = logX ? { log10(max($0, 1e-9)) } : { $0 }
        var low = transform(xs.min() ?? 0), high = transform(xs.max() ?? 1)
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        let pad = (high - low) * 0.05
        low -= pad; high += pad
        func px(_ x: Double) -> Double { left + (transform(x) - low) / (high - low) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight * (1 - min(max(y, 0), 1)) }
        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += "<rect x=\"\(SVG.number(left))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(plotWidth))\" height=\"\(SVG.number(plotHeight))\" fill=\"\(background)\"/>"
        out += SVG.unitYAxis(left: left, top: top, width: plotWidth, height: plotHeight, label: yLabel)
        for x in Array(Set(xs)).sorted() {
            out += SVG.text(px(x), top + plotHeight + 16, x == x.rounded() ? String(Int(x)) : String(format: "%g", x), size: 11)
        }
        out += SVG.text(left + plotWidth / 2, height - 12, xLabel)
        for (index, line) in series.enumerated() {
            let color = SVG.palette[index % SVG.palette.count]
            let path = line.points.map { "\(SVG.number(px($0.x))),\(SVG.number(py($0.y)))" }.joined(separator: " ")
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            for point in line.points {
                if let lo = point.low, let hi = point.high {
                    out += "<line x1=\"\(SVG.number(px(point.x)))\" y1=\"\(SVG.number(py(lo)))\" x2=\"\(SVG.number(px(point.x)))\" y2=\"\(SVG.number(py(hi)))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
                }
                out += "<circle cx=\"\(SVG.number(px(point.x)))\" cy=\"\(SVG.number(py(point.y)))\" r=\"3.5\" fill=\"\(color)\"><title>\(SVG.escape(line.name)): \(String(format: "%.4f", point.y))</title></circle>"
            }
            let legendY = top + 14 + Double(index) * 18
            out += "<rect x=\"\(SVG.number(width - right + 14))\" y=\"\(SVG.number(legendY - 9))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            out += SVG.text(width - right + 32, legendY + 2, line.name, anchor: "start", size: 11)
        }
        return out + "</svg>"
    }
}

/// Groups of bars, y from 0 to 1: one group per run, one bar per category.
struct BarChart {
    let id: String
    let title: String
    let yLabel: String
    let groups: [String]
    let categories: [String]
    /// values[group][category]; nil draws no bar.
    let values: [[Double?]]
    let background: String

    func svg(height: Double = 360) -> String {
        let left = 60.0, right = 150.0, top = 36.0, bottom = 60.0
        let barWidth = 16.0, gap = 22.0
        let groupWidth = Double(categories.count) * barWidth + gap
        let plotWidth = max(260, Double(groups.count) * groupWidth + gap)
        let width = left + plotWidth + right, plotHeight = height - top - bottom
        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += "<rect x=\"\(SVG.number(left))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(plotWidth))\" height=\"\(SVG.number(plotHeight))\" fill=\"\(background)\"/>"
        out += SVG.unitYAxis(left: left, top: top, width: plotWidth, height: plotHeight, label: yLabel)
        for (g, group) in groups.enumerated() {
            let x0 = left + gap + Double(g) * groupWidth
            for (c, value) in values[g].enumerated() {
                guard let value else { continue }
                let barHeight = plotHeight * min(max(value, 0), 1)
                out += "<rect x=\"\(SVG.number(x0 + Double(c) * barWidth))\" y=\"\(SVG.number(top + plotHeight - barHeight))\" width=\"\(SVG.number(barWidth - 2))\" height=\"\(SVG.number(max(barHeight, 1)))\" fill=\"\(SVG.palette[c % SVG.palette.count])\"><title>\(SVG.escape(group)), \(SVG.escape(categories[c])): \(String(format: "%.4f", value))</title></rect>"
            }
            out += SVG.text(x0 + Double(categories.count) * barWidth / 2, top + plotHeight + 16, group, size: 11)
        }
        for (c, category) in categories.enumerated() {
            let y = top + 14 + Double(c) * 18
            out += "<rect x=\"\(SVG.number(width - right + 14))\" y=\"\(SVG.number(y - 9))\" width=\"12\" height=\"12\" fill=\"\(SVG.palette[c % SVG.palette.count])\"/>"
            out += SVG.text(width - right + 32, y + 2, category, anchor: "start", size: 11)
        }
        return out + "</svg>"
    }
}

/// Per-task pass rates: one row per run, one column per task, white (0) to dark blue (1).
struct HeatMap {
    let id: String
    let title: String
    let rows: [String]
    let columns: [String]
    /// values[row][column]; nil (task not in that run) is grey.
    let values: [[Double?]]
    let background: String

    static func color(_ value: Double) -> String {
        // From #f7fbff (0) to #08306b (1), as in a sequential blue scale.
        let t = min(max(value, 0), 1)
        let from: [Double] = [0xf7, 0xfb, 0xff], to: [Double] = [0x08, 0x30, 0x6b]
        let channels: [Int] = (0..<3).map { Int((from[$0] + (to[$0] - from[$0]) * t).rounded()) }
        return String(format: "#%02x%02x%02x", channels[0], channels[1], channels[2])
    }

    func svg() -> String {
        let left = 150.0, top = 36.0, right = 20.0
        let cell = max(3.0, min(16.0, 880.0 / Double(max(columns.count, 1))))
        let rowHeight = 22.0
        let width = max(480, left + cell * Double(columns.count) + right)
        let height = top + rowHeight * Double(rows.count) + 56
        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += "<rect x=\"\(SVG.number(left - 4))\" y=\"\(SVG.number(top - 4))\" width=\"\(SVG.number(cell * Double(columns.count) + 8))\" height=\"\(SVG.number(rowHeight * Double(rows.count) + 8))\" fill=\"\(background)\"/>"
        for (r, row) in rows.enumerated() {
            let y = top + Double(r) * rowHeight
            out += SVG.text(left - 10, y + rowHeight / 2 + 4, row, anchor: "end", size: 11)
            for (c, value) in values[r].enumerated() {
                let fill = value.map(Self.color) ?? "#bdbdbd"
                let tip = "\(columns[c]): " + (value.map { String(format: "%.2f", $0) } ?? "not run")
                out += "<rect x=\"\(SVG.number(left + Double(c) * cell))\" y=\"\(SVG.number(y))\" width=\"\(SVG.number(cell))\" height=\"\(SVG.number(rowHeight - 2))\" fill=\"\(fill)\"><title>\(SVG.escape(tip))</title></rect>"
            }
        }
        let legendY = top + rowHeight * Double(rows.count) + 14
        for step in 0...10 {
            out += "<rect x=\"\(SVG.number(left + Double(step) * 14))\" y=\"\(SVG.number(legendY))\" width=\"14\" height=\"10\" fill=\"\(Self.color(Double(step) / 10))\"/>"
        }
        out += SVG.text(left, legendY + 24, "0", size: 10) + SVG.text(left + 154, legendY + 24, "1 (share of samples passing)", anchor: "start", size: 10)
        out += SVG.text(left + cell * Double(columns.count) / 2, legendY + 40, "\(columns.count) tasks, in problem order", size: 11)
        return out + "</svg>"
    }
}
