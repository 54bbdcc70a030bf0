// One exception per C status code, with the library's per-thread message.
using System;

namespace Emopiano
{
    public enum Status
    {
        Ok = 0,
        InvalidArgument = -1,
        NotFound = -2,
        IO = -3,
        Format = -4,
        BufferTooSmall = -5,
        Cancelled = -6,
        Unsupported = -7,
        Internal = -8,
        OutOfMemory = -9,
    }

    public class EmopianoException : Exception
    {
        public Status Status { get; private set; }
        public EmopianoException(Status status, string message) : base(message) { Status = status; }
    }

    public class InvalidArgumentException : EmopianoException
    {
        public InvalidArgumentException(string message) : base(Status.InvalidArgument, message) { }
    }

    public class NotFoundException : EmopianoException
    {
        public NotFoundException(string message) : base(Status.NotFound, message) { }
    }

    public class FileIOException : EmopianoException
    {
        public FileIOException(string message) : base(Status.IO, message) { }
    }

    /// Corrupt MIDI, a damaged model file, malformed JSON.
    public class DataFormatException : EmopianoException
    {
        public DataFormatException(string message) : base(Status.Format, message) { }
    }

    public class BufferTooSmallException : EmopianoException
    {
        public BufferTooSmallException(string message) : base(Status.BufferTooSmall, message) { }
    }

    public class CancelledException : EmopianoException
    {
        public CancelledException(string message) : base(Status.Cancelled, message) { }
    }

    public class UnsupportedException : EmopianoException
    {
        public UnsupportedException(string message) : base(Status.Unsupported, message) { }
    }

    public class InternalErrorException : EmopianoException
    {
        public InternalErrorException(string message) : base(Status.Internal, message) { }
    }

    public class NativeOutOfMemoryException : EmopianoException
    {
        public NativeOutOfMemoryException(string message) : base(Status.OutOfMemory, message) { }
    }

    internal static class Check
    {
        /// Throws the exception matching a failed status, with emopiano_last_error().
        public static void Status(int status)
        {
            if (status == 0) return;
            string message = Utf8.Decode(Native.emopiano_last_error());
            if (message.Length == 0) message = Utf8.Decode(Native.emopiano_status_name(status));
            switch (status)
            {
                case -1: throw new InvalidArgumentException(message);
                case -2: throw new NotFoundException(message);
                case -3: throw new FileIOException(message);
                case -4: throw new DataFormatException(message);
                case -5: throw new BufferTooSmallException(message);
                case -6: throw new CancelledException(message);
                case -7: throw new UnsupportedException(message);
                case -8: throw new InternalErrorException(message);
                case -9: throw new NativeOutOfMemoryException(message);
                default: throw new EmopianoException((Emopiano.Status)status, message);
            }
        }
    }
}
