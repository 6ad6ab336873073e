using ScottPlot;
using SkiaSharp;

namespace CompiledNets;

/// <summary>Renders ScottPlot content to a PNG file, written atomically so no half-written image is left.</summary>
internal static class PngRenderer
{
    public static void Save(string path, int width, int height, Action<SKCanvas, PixelRect> render)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height))
            ?? throw new InvalidOperationException($"Could not create a {width} × {height} drawing surface.");
        surface.Canvas.Clear(SKColors.White);
        render(surface.Canvas, new PixelRect(0, width, 0, height));
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("Could not encode the chart as PNG.");
        CompiledNets.IO.AtomicFile.Write(path, png.SaveTo);
    }
}
