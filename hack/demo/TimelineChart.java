import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws the demo's timeline (CSV: seconds,backlog,desired,ready,processed) as a PNG: the backlog
 * against the left axis, desired and ready workers against the right. Run as a single-file
 * program: java hack/demo/TimelineChart.java timeline.csv timeline.png
 */
public class TimelineChart {

  record Point(double t, double backlog, double desired, double ready) {}

  public static void main(String[] args) throws Exception {
    List<Point> points = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (line.isBlank() || line.startsWith("seconds")) {
        continue;
      }
      String[] f = line.split(",");
      points.add(new Point(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
          Double.parseDouble(f[3])));
    }
    int w = 1200, h = 600, left = 80, right = 80, top = 60, bottom = 70;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    double tMax = Math.max(1, points.stream().mapToDouble(Point::t).max().orElse(1));
    double bMax = Math.max(1, points.stream().mapToDouble(Point::backlog).max().orElse(1));
    double rMax = Math.max(1, points.stream().mapToDouble(p -> Math.max(p.desired(), p.ready())).max().orElse(1)) + 1;
    int pw = w - left - right, ph = h - top - bottom;
    g.setColor(new Color(230, 230, 230));
    for (int i = 0; i <= 5; i++) {
      int y = top + ph - ph * i / 5;
      g.drawLine(left, y, left + pw, y);
    }
    g.setColor(Color.DARK_GRAY);
    g.drawRect(left, top, pw, ph);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
    g.drawString("Swell: queue backlog and worker replicas", left, 35);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    for (int i = 0; i <= 5; i++) {
      int y = top + ph - ph * i / 5;
      g.setColor(new Color(200, 80, 40));
      g.drawString(String.valueOf(Math.round(bMax * i / 5)), 10, y + 5);
      g.setColor(new Color(40, 90, 200));
      g.drawString(String.format("%.0f", rMax * i / 5), left + pw + 10, y + 5);
    }
    g.setColor(Color.DARK_GRAY);
    for (int i = 0; i <= 10; i++) {
      int x = left + pw * i / 10;
      g.drawString(String.format("%.0fs", tMax * i / 10), x - 10, top + ph + 20);
    }
    g.drawString("time since start", left + pw / 2 - 50, h - 20);
    series(g, points, p -> p.backlog() / bMax, new Color(200, 80, 40), 3f, left, top, pw, ph, tMax);
    series(g, points, p -> p.desired() / rMax, new Color(40, 90, 200), 3f, left, top, pw, ph, tMax);
    series(g, points, p -> p.ready() / rMax, new Color(90, 170, 90), 2f, left, top, pw, ph, tMax);
    legend(g, left + pw - 260, top + 20, new Color(200, 80, 40), "backlog (items, left axis)");
    legend(g, left + pw - 260, top + 42, new Color(40, 90, 200), "desired workers (right axis)");
    legend(g, left + pw - 260, top + 64, new Color(90, 170, 90), "ready workers (right axis)");
    g.dispose();
    ImageIO.write(img, "png", new File(args[1]));
    System.out.println("chart: " + args[1]);
  }

  interface Value {
    double of(Point p);
  }

  static void series(Graphics2D g, List<Point> points, Value v, Color c, float width, int left, int top, int pw,
      int ph, double tMax) {
    g.setColor(c);
    g.setStroke(new BasicStroke(width));
    for (int i = 1; i < points.size(); i++) {
      Point a = points.get(i - 1), b = points.get(i);
      int x1 = left + (int) (pw * a.t() / tMax), x2 = left + (int) (pw * b.t() / tMax);
      int y1 = top + ph - (int) (ph * v.of(a)), y2 = top + ph - (int) (ph * v.of(a));
      int y3 = top + ph - (int) (ph * v.of(b));
      g.drawLine(x1, y1, x2, y2); // steps: a value holds until the next sample
      g.drawLine(x2, y2, x2, y3);
    }
    g.setStroke(new BasicStroke(1f));
  }

  static void legend(Graphics2D g, int x, int y, Color c, String text) {
    g.setColor(c);
    g.fillRect(x, y - 10, 24, 6);
    g.setColor(Color.DARK_GRAY);
    g.drawString(text, x + 32, y - 2);
  }
}
