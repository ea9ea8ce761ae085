using System.Runtime.InteropServices;

namespace CodeActSdk.V8.Interop;

/// <summary>The C ABI of libcodeact_v8.so (native/codeact_v8.h), resolved by <see cref="V8Library"/>.</summary>
internal static unsafe partial class NativeMethods
{
    public const string ShimLibrary = "codeact_v8";

    /// <summary>CAV8_ABI_VERSION: the shim this assembly was written against.</summary>
    public const int AbiVersion = 2;

    public const int Ok = 0;

    public const int OpConsole = 1;
    public const int OpTool = 2;

    public const int ReplyValue = 0;
    public const int ReplyError = 1;
    public const int ReplyTypeError = 2;
    public const int ReplyStop = 3;

    public const int OutcomeCompleted = 0;
    public const int OutcomeSyntaxError = 1;
    public const int OutcomeRuntimeError = 2;
    public const int OutcomeStopped = 3;

    public const int StopFinalAnswer = 1;
    public const int StopMemory = 2;
    public const int StopHost = 3;

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_abi_version")]
    public static partial int GetAbiVersion();

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_v8_version")]
    public static partial nint GetV8Version();

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_initialize")]
    public static partial int Initialize(delegate* unmanaged<nint, int, int, byte*, int, nint, int> callback, out nint error);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_isolate_new")]
    public static partial int IsolateNew(in IsolateOptions options, out V8IsolateHandle isolate, out nint error);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_isolate_set_limits")]
    public static partial int IsolateSetLimits(V8IsolateHandle isolate, in Limits limits, out nint error);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_isolate_define_tool")]
    public static partial int IsolateDefineTool(V8IsolateHandle isolate, byte* name, int nameLength, int index, int arity, out nint error);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_isolate_run")]
    public static partial int IsolateRun(V8IsolateHandle isolate, byte* code, int codeLength, in RunOptions options, out Result result, out nint error);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_isolate_describe")]
    public static partial int IsolateDescribe(V8IsolateHandle isolate, byte* names, int namesLength, long runId, int maxPreviewChars, out nint digest, out int digestLength, out nint error);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_isolate_terminate")]
    public static partial void IsolateTerminate(V8IsolateHandle isolate, long runId);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_isolate_free")]
    public static partial void IsolateFree(nint isolate);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_reply_set")]
    public static partial void ReplySet(nint reply, byte* utf8, int length);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_result_free")]
    public static partial void ResultFree(ref Result result);

    [LibraryImport(ShimLibrary, EntryPoint = "cav8_string_free")]
    public static partial void StringFree(nint text);

    /// <summary>Reads and frees a message the shim returned through an <c>error</c> out parameter.</summary>
    public static string TakeError(nint error, string fallback)
    {
        if (error == 0)
        {
            return fallback;
        }

        try
        {
            return Marshal.PtrToStringUTF8(error) ?? fallback;
        }
        finally
        {
            StringFree(error);
        }
    }

    /// <summary>The UTF-8 text at <paramref name="text"/>, or <see langword="null"/>.</summary>
    public static string? Text(byte* text, int length) =>
        text is null ? null : System.Text.Encoding.UTF8.GetString(text, length);

    [StructLayout(LayoutKind.Sequential)]
    public struct IsolateOptions
    {
        public long HeapLimitBytes;
        public int AllowWebAssembly;
        public int Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Limits
    {
        public long HeapLimitBytes;
        public long ArrayBufferLimitBytes;
        public long StackLimitBytes;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RunOptions
    {
        public long RunId;
        public nint HostState;
        public int MaxValueChars;
        public int MaxDisplayChars;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Result
    {
        public int Outcome;
        public int StopReason;
        public int HasValue;
        public int ValueTruncated;
        public int HasFinalAnswer;
        public int FinalAnswerTruncated;
        public int ErrorLine;
        public int ErrorColumn;
        public byte* ValueJson;
        public byte* FinalAnswerJson;
        public byte* ErrorKind;
        public byte* ErrorMessage;
        public int ValueLength;
        public int FinalAnswerLength;
        public int ErrorKindLength;
        public int ErrorMessageLength;
    }
}
