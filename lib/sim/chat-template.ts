import { pythonJson } from "./python-json";

/**
 * Qwen2.5-Instruct's chat template (ChatML with hermes-style tool definitions), rendered without Jinja.
 * The prompt string it returns is what the simulator tokenizes for `usage.prompt_tokens` and `/tokenize`.
 */

export const DEFAULT_SYSTEM_PROMPT = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

export interface TemplateToolCall {
  function?: { name?: string; arguments?: unknown };
  name?: string;
  arguments?: unknown;
}

export interface TemplateMessage {
  role: string;
  content?: unknown;
  tool_calls?: TemplateToolCall[] | null;
}

export interface TemplateTool {
  type?: string;
  function: { name: string; description?: string | null; parameters?: unknown };
}

/** Text of a message's content: a string, or the text parts of a content array joined by newlines (as vLLM does). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") texts.push(part);
    else if (part && typeof part === "object" && "text" in part && typeof part.text === "string") texts.push(part.text);
  }
  return texts.join("\n");
}

export function renderChatPrompt(
  messages: readonly TemplateMessage[],
  options: { tools?: readonly TemplateTool[] | null; addGenerationPrompt?: boolean } = {},
): string {
  const tools = options.tools && options.tools.length > 0 ? options.tools : null;
  const first = messages[0];
  const leadingSystem = first?.role === "system" ? contentText(first.content) : null;
  let out = "";

  if (tools) {
    out += `<|im_start|>system\n${leadingSystem ?? DEFAULT_SYSTEM_PROMPT}`;
    out +=
      "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
      "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
    for (const tool of tools) out += `\n${pythonJson({ type: tool.type ?? "function", function: tool.function })}`;
    out +=
      "\n</tools>\n\nFor each function call, return a json object with function name and arguments within " +
      '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n' +
      "</tool_call><|im_end|>\n";
  } else {
    out += `<|im_start|>system\n${leadingSystem ?? DEFAULT_SYSTEM_PROMPT}<|im_end|>\n`;
  }

  messages.forEach((message, index) => {
    const content = contentText(message.content);
    const toolCalls = message.tool_calls ?? [];
    if (
      message.role === "user" ||
      (message.role === "system" && index > 0) ||
      (message.role === "assistant" && toolCalls.length === 0)
    ) {
      out += `<|im_start|>${message.role}\n${content}<|im_end|>\n`;
    } else if (message.role === "assistant") {
      out += "<|im_start|>assistant";
      if (content) out += `\n${content}`;
      for (const call of toolCalls) {
        const fn = call.function ?? call;
        out += `\n<tool_call>\n{"name": "${fn.name ?? ""}", "arguments": ${pythonJson(parseArguments(fn.arguments))}}\n</tool_call>`;
      }
      out += "<|im_end|>\n";
    } else if (message.role === "tool") {
      if (index === 0 || messages[index - 1]?.role !== "tool") out += "<|im_start|>user";
      out += `\n<tool_response>\n${content}\n</tool_response>`;
      if (index === messages.length - 1 || messages[index + 1]?.role !== "tool") out += "<|im_end|>\n";
    }
    // The leading system message was rendered above; other roles are dropped, as the template does.
  });

  if (options.addGenerationPrompt ?? true) out += "<|im_start|>assistant\n";
  return out;
}

/** vLLM turns a tool call's JSON-string arguments into an object before templating. */
function parseArguments(args: unknown): unknown {
  if (typeof args !== "string") return args ?? {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}
