using System.Text;

namespace EngramBulkLoad.Embedding.Service.Admission;

/// <summary>
/// Tokens a text will take, known before tokenizing: its UTF-8 byte count plus the two special tokens,
/// capped at the model's maximum length. An upper bound for WordPiece and byte-level BPE, whose every
/// content token covers at least one byte; SentencePiece can, rarely, emit a lone word-start piece and
/// exceed it, which <see cref="AdmissionControl.Reservation.Reconcile"/> corrects once the text is tokenized.
/// </summary>
internal static class TokenEstimate
{
    /// <summary>The estimate for all of <paramref name="texts"/>; one vectorized byte count per text.</summary>
    public static long UpperBound(IReadOnlyList<string> texts, int maxSequenceLength)
    {
        long total = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            total += UpperBound(texts[i], maxSequenceLength);
        }

        return total;
    }

    public static int UpperBound(string text, int maxSequenceLength)
    {
        // A text longer in characters than the maximum needs no exact byte count: it is capped anyway.
        if (text.Length >= maxSequenceLength)
        {
            return maxSequenceLength;
        }

        return Math.Min(maxSequenceLength, Encoding.UTF8.GetByteCount(text) + 2);
    }
}
