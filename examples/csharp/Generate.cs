// Generates an eight-bar piano piece for an emotion and writes it as MIDI:
// the C# binding end to end.
//
//   mono Generate.exe OUT.mid [EMOTION [MODEL.pt]]
//
// EMOTION is a quadrant or mood ("Q3", "sad"), a mix ("0.1,0.6,0.2,0.1") or a
// valence/arousal point ("va:0.7,-0.3"); default "sad". MODEL defaults to the
// bundled model.
using System;
using Emopiano;

static class Generate
{
    static int Main(string[] args)
    {
        if (args.Length < 1 || args.Length > 3)
        {
            Console.Error.WriteLine("usage: Generate.exe OUT.mid [EMOTION [MODEL.pt]]");
            return 2;
        }
        string outPath = args[0];
        int streamed = 0;
        try
        {
            var emotion = Emotion.Parse(args.Length > 1 ? args[1] : "sad");
            using (var model = args.Length > 2 ? new Model(args[2]) : Model.Bundled())
            using (var sampler = model.Sampler())
            {
                var options = new GenerateOptions
                {
                    Emotion = emotion,
                    Seed = 1,
                    MaxBars = 8,
                    StopAtEos = false, // eight whole bars
                    OnNote = (note, piece) => ++streamed,
                };
                using (var piece = sampler.Generate(options))
                {
                    piece.WriteMidi(outPath);
                    var info = piece.Info;
                    Console.WriteLine("wrote {0}: {1} notes, {2} bars, {3:F1} s of music (streamed {4} notes)",
                                      outPath, info.Notes, info.Bars, info.DurationSeconds, streamed);
                }
            }
            return 0;
        }
        catch (EmopianoException e)
        {
            Console.Error.WriteLine("Generate: {0}: {1}", e.Status, e.Message);
            return 1;
        }
    }
}
